// Reads a topic from the beginning with kafkajs, the kafka tests' non-librdkafka client, until it
// has a given number of records, and prints them so the test can check what another client sees.
//
//   node consume.mjs --brokers HOST:PORT --topic out --count 500 [--timeout-ms 30000]
//
// Prints one line per record, tab-separated: partition, offset, key, headers as name=hex(value)
// joined by commas, value as hex (hex because dead letters and their causes may hold any byte).
// Exits non-zero, with the count it reached on stderr, on a time-out.
import { parseArgs } from 'node:util';

import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    topic: { type: 'string' },
    count: { type: 'string' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});
if (!args.brokers || !args.topic || !args.count) {
  console.error('usage: consume.mjs --brokers HOST:PORT --topic NAME --count N [--timeout-ms MS]');
  process.exit(1);
}
const count = Number(args.count);

const kafka = new Kafka({
  clientId: 'stepstream-kafkajs-test',
  brokers: args.brokers.split(','),
  logLevel: logLevel.ERROR,
});
// A group of its own (kafkajs consumes only through a group), so it starts from the beginning and
// shares the topic with no one.
const consumer = kafka.consumer({ groupId: `kafkajs-reader-${process.pid}-${Date.now()}` });
await consumer.connect();
await consumer.subscribe({ topic: args.topic, fromBeginning: true });

const lines = [];
let finish;
const done = new Promise((resolve) => (finish = resolve));
const timer = setTimeout(() => finish(false), Number(args['timeout-ms']));
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    const headers = Object.entries(message.headers ?? {})
      .map(([name, value]) => `${name}=${Buffer.from(value).toString('hex')}`)
      .join(',');
    lines.push(
      [partition, message.offset, message.key ?? '', headers, (message.value ?? '').toString('hex')]
        .join('\t'),
    );
    if (lines.length >= count) finish(true);
  },
});
const complete = await done;
clearTimeout(timer);
await consumer.disconnect();
process.stdout.write(lines.map((l) => l + '\n').join(''));
if (!complete) {
  console.error(`consume.mjs: ${lines.length} of ${count} records from ${args.topic}`);
  process.exit(1);
}
