// Produces keyed events and poison to a topic with kafkajs, the kafka tests' non-librdkafka client,
// and prints where each record landed so the test can account for every one.
//
//   node produce.mjs --brokers HOST:PORT --topic in --count 500 --poison 6
//
// Prints one line per record, tab-separated: partition, offset, kind, key, value as hex (hex so
// that non-UTF-8 poison reaches the test byte for byte). kind is `event` (a JSON event of type ok,
// which the flaky-device workflow echoes) or a poison kind: `not-json`, `truncated`, `binary`
// (not UTF-8), `fail` (JSON whose execution fails) or `too-big` (over a 1024-byte payload limit).
// Exits non-zero, with the reason on stderr, when anything was not acknowledged.
import { parseArgs } from 'node:util';

import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    topic: { type: 'string' },
    count: { type: 'string', default: '100' },
    poison: { type: 'string', default: '0' },
  },
});
if (!args.brokers || !args.topic) {
  console.error('usage: produce.mjs --brokers HOST:PORT --topic NAME [--count N] [--poison N]');
  process.exit(1);
}
const count = Number(args.count);
const poisonCount = Number(args.poison);

const event = (seq, type) =>
  JSON.stringify({ seq, device_id: `dev-${seq % 37}`, type });

// Cycled through when more poison is asked for than there are kinds.
const poisonKinds = [
  ['not-json', () => Buffer.from('not json')],
  ['truncated', () => Buffer.from('{"seq": 1,')],
  ['binary', () => Buffer.from([0xff, 0xfe, 0x7b, 0x7d])],
  ['fail', (k) => Buffer.from(event(100000 + k, 'fail'))],
  ['too-big', (k) => Buffer.from(JSON.stringify({ seq: 200000 + k, note: 'x'.repeat(2000) }))],
];

// Poison spread evenly among the events, so it reaches the engine mid-stream on several partitions.
const records = [];
for (let i = 0; i < count; ++i) {
  records.push({ kind: 'event', key: `dev-${i % 37}`, value: Buffer.from(event(i, 'ok')) });
}
for (let k = 0; k < poisonCount; ++k) {
  const [kind, make] = poisonKinds[k % poisonKinds.length];
  const at = Math.floor(((k + 0.5) * records.length) / poisonCount);
  records.splice(at, 0, { kind, key: `poison-${k}`, value: make(k) });
}

const kafka = new Kafka({
  clientId: 'stepstream-kafkajs-test',
  brokers: args.brokers.split(','),
  logLevel: logLevel.ERROR,
});

// kafkajs's own default partitioner (murmur2 of the key, as the Java client does), applied here
// rather than inside send() so that each record's partition, and hence its offset, is known.
const admin = kafka.admin();
await admin.connect();
const [{ partitions }] = (await admin.fetchTopicMetadata({ topics: [args.topic] })).topics;
await admin.disconnect();
const partitioner = Partitioners.DefaultPartitioner();
for (const r of records) {
  r.partition = partitioner({
    topic: args.topic,
    partitionMetadata: partitions,
    message: { key: r.key, value: r.value },
  });
}

const producer = kafka.producer({
  createPartitioner: Partitioners.DefaultPartitioner,
  allowAutoTopicCreation: false,
});
await producer.connect();
// One send: each partition's records go in one batch, in order, so the i-th record of a partition
// has offset baseOffset + i.
const acks = await producer.send({
  topic: args.topic,
  acks: -1,
  messages: records.map((r) => ({
    key: r.key,
    value: r.value,
    partition: r.partition,
    headers: { 'test.producer': 'kafkajs' },
  })),
});
await producer.disconnect();

const next = new Map();
for (const a of acks) {
  if (a.errorCode !== 0) throw new Error(`partition ${a.partition}: error code ${a.errorCode}`);
  next.set(a.partition, BigInt(a.baseOffset));
}
const lines = [];
for (const r of records) {
  const offset = next.get(r.partition);
  if (offset === undefined) throw new Error(`no acknowledgement for partition ${r.partition}`);
  next.set(r.partition, offset + 1n);
  lines.push([r.partition, offset, r.kind, r.key, r.value.toString('hex')].join('\t'));
}
process.stdout.write(lines.join('\n') + '\n');
