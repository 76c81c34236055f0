// The `stepstream run` configuration: YAML settings, ${VAR} interpolation, and every problem at
// once with where it is; then the command's own checks, which need no broker.
#include "cli/run_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/support/run_command.h"

namespace {

using namespace stepstream::cli;

const std::map<std::string, std::string> kEnv = {{"KAFKA", "k1:9092,k2:9092"}, {"EMPTY", ""}};

const char* lookup(const char* name) {
  auto it = kEnv.find(name);
  return it == kEnv.end() ? nullptr : it->second.c_str();
}

bool parse(const std::string& text, RunConfig& cfg, std::vector<std::string>& problems) {
  return parse_run_config(text, "run.yaml", lookup, cfg, problems);
}

// The problems, one by one, begin as `want` says (the rest of each is the explanation).
void expect_problems_open_with(const std::vector<std::string>& problems,
                               const std::vector<std::string>& want) {
  ASSERT_EQ(problems.size(), want.size()) << ::testing::PrintToString(problems);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(problems[i].substr(0, want[i].size()), want[i]);
}

TEST(RunConfig, ReadsEverySetting) {
  RunConfig cfg;
  std::vector<std::string> problems;
  ASSERT_TRUE(parse(R"(
brokers: ${KAFKA}
group: ingest-${ZONE:-eu}
workers: 4
metrics_port: 0
metrics_host: 127.0.0.1
route_by: key
max_in_flight: 1000
limits: {payload_bytes: 4096, max_duration_seconds: 60}
kafka:
  session.timeout.ms: 6000
  compression.type: lz4
tasks:
  "arn:aws:lambda:*": echo
pipelines:
  - name: telemetry
    definition: examples/iot-telemetry.asl.json
    input_topics: [t1, t2]
    output_topic: t-out
    dlq_topic: t-dlq
    logging: {level: ALL, include_execution_data: true, destination: "kafka:logs"}
  - definition: other.asl.json
    input_topic: o
    output_topic: o-out
    drop_failures: true
    output_headers: false
)",
                    cfg, problems))
      << problems[0];
  EXPECT_EQ(cfg.brokers, "k1:9092,k2:9092");
  EXPECT_EQ(cfg.group, "ingest-eu");
  EXPECT_EQ(cfg.workers, 4u);
  EXPECT_EQ(cfg.route_by, "key");
  EXPECT_EQ(cfg.max_in_flight, 1000u);
  EXPECT_EQ(cfg.payload_limit, 4096u);
  EXPECT_EQ(cfg.max_duration_seconds, 60u);
  ASSERT_EQ(cfg.kafka.size(), 2u);
  EXPECT_EQ(cfg.kafka[0], (std::pair<std::string, std::string>{"session.timeout.ms", "6000"}));
  EXPECT_EQ(cfg.tasks, std::vector<std::string>{"arn:aws:lambda:*=echo"});
  ASSERT_EQ(cfg.pipelines.size(), 2u);
  EXPECT_EQ(cfg.pipelines[0].where, "pipelines[0]");
  EXPECT_EQ(cfg.pipelines[0].name, "telemetry");
  EXPECT_EQ(cfg.pipelines[0].input_topics, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(cfg.pipelines[0].dlq_topic, "t-dlq");
  EXPECT_EQ(cfg.pipelines[0].log_level, "ALL");
  EXPECT_EQ(cfg.pipelines[0].log_execution_data, true);
  EXPECT_EQ(cfg.pipelines[1].log_execution_data, std::nullopt) << "the flag's, unless said";
  EXPECT_EQ(cfg.pipelines[0].log_destination, "kafka:logs");
  EXPECT_EQ(cfg.pipelines[1].log_level, "") << "OFF unless said";
  EXPECT_EQ(cfg.metrics_port, 0u);
  EXPECT_EQ(cfg.metrics_host, "127.0.0.1");
  EXPECT_EQ(cfg.pipelines[1].input_topics, std::vector<std::string>{"o"});
  EXPECT_TRUE(cfg.pipelines[1].drop_failures);
  EXPECT_EQ(cfg.pipelines[1].output_headers, false);
  EXPECT_EQ(cfg.pipelines[0].output_headers, std::nullopt) << "the flag's, unless said";
}

TEST(RunConfig, ReportsEveryProblemWithItsLineAndPath) {
  RunConfig cfg;
  std::vector<std::string> problems;
  EXPECT_FALSE(parse(R"(brokers: ${NOT_SET}
workers: many
colour: blue
pipelines:
  - definition: a.asl.json
    output_topic: [x, y]
  - input_topics: in
    drop_failures: maybe
    retries: 3
    logging: {level: ALL, colour: red}
)",
                     cfg, problems));
  std::vector<std::string> want = {
      "run.yaml:1: brokers: the environment variable NOT_SET is not set",
      "run.yaml:2: workers: must be a whole number from 1 to 1024, not \"many\"",
      "run.yaml:3: colour: unknown setting",
      "run.yaml:6: pipelines[0].output_topic: must be a single value",
      "run.yaml:8: pipelines[1].drop_failures: must be true or false, not \"maybe\"",
      "run.yaml:9: pipelines[1].retries: unknown setting",
      "run.yaml:10: pipelines[1].logging.colour: unknown setting",
  };
  expect_problems_open_with(problems, want);
}

TEST(RunConfig, AKeyGivenTwiceIsAProblem) {
  RunConfig cfg;
  std::vector<std::string> problems;
  EXPECT_FALSE(parse(R"(workers: 2
workers: 3
pipelines:
  - {definition: a.asl.json, output_topic: x, output_topic: y, input_topic: a, input_topics: [b]}
pipelines: []
)",
                     cfg, problems));
  std::vector<std::string> want = {
      "run.yaml:2: workers: given twice",
      "run.yaml:4: pipelines[0].output_topic: given twice",
      "run.yaml:4: pipelines[0].input_topics: given twice",
      "run.yaml:5: pipelines: given twice",
  };
  EXPECT_EQ(problems, want);
  EXPECT_EQ(cfg.workers, 2u) << "the first is kept";
}

TEST(RunConfig, InterpolationSaysWhatItCannotRead) {
  RunConfig cfg;
  std::vector<std::string> problems;
  ASSERT_TRUE(parse("group: $${KAFKA}-${KAFKA}\n", cfg, problems)) << problems[0];
  EXPECT_EQ(cfg.group, "${KAFKA}-k1:9092,k2:9092") << "$${ is a literal ${";
  EXPECT_FALSE(parse("group: a${}b\nbrokers: ${NOT_SET:-${KAFKA}}\n", cfg, problems));
  std::vector<std::string> want = {
      "run.yaml:1: group: \"${}\" is not ${NAME} or ${NAME:-default}",
      "run.yaml:2: brokers: \"${NOT_SET:-${KAFKA}\" is not ${NAME} or ${NAME:-default}",
  };
  expect_problems_open_with(problems, want);
}

TEST(RunConfig, RelativePathsAreTakenFromTheConfigFilesDirectory) {
  RunConfig cfg;
  std::vector<std::string> problems;
  ASSERT_TRUE(parse_run_config(R"(pipelines:
  - definition: flows/a.asl.json
    logging: {destination: "file:../logs/a.jsonl"}
  - definition: /abs/b.asl.json
)",
                               "/etc/stepstream/run.yaml", lookup, cfg, problems))
      << problems[0];
  EXPECT_EQ(cfg.pipelines[0].definition, "/etc/stepstream/flows/a.asl.json");
  EXPECT_EQ(cfg.pipelines[0].log_destination, "file:/etc/logs/a.jsonl");
  EXPECT_EQ(cfg.pipelines[1].definition, "/abs/b.asl.json");
  // A config through a pipe (--config <(...)) has no directory of its own: the working one.
  RunConfig piped;
  ASSERT_TRUE(parse_run_config("pipelines: [{definition: flows/a.asl.json}]\n", "/dev/fd/63",
                               lookup, piped, problems));
  EXPECT_EQ(piped.pipelines[0].definition, "flows/a.asl.json");
}

TEST(RunConfig, EmptyBrokersAndAnUnboundedDemoRateAreProblems) {
  RunConfig cfg;
  std::vector<std::string> problems;
  EXPECT_FALSE(parse("brokers: ${EMPTY}\ndemo_rate: 1e30\n", cfg, problems));
  std::vector<std::string> want = {
      "run.yaml:1: brokers: empty: give HOST:PORT,... or leave brokers out",
      "run.yaml:2: demo_rate: must be a number of events per second up to 10000000, not \"1e30\"",
  };
  expect_problems_open_with(problems, want);
  EXPECT_EQ(parse_demo_rate("inf"), std::nullopt);
  EXPECT_EQ(parse_demo_rate("2500.5"), 2500.5);
}

TEST(RunConfig, EmptyVariableTakesTheDefault) {
  RunConfig cfg;
  std::vector<std::string> problems;
  ASSERT_TRUE(parse("group: ${EMPTY:-fallback}\nbrokers: a${EMPTY}b\n", cfg, problems));
  EXPECT_EQ(cfg.group, "fallback");
  EXPECT_EQ(cfg.brokers, "ab");
}

TEST(RunConfig, InvalidYamlIsAProblemNotACrash) {
  RunConfig cfg;
  std::vector<std::string> problems;
  EXPECT_FALSE(parse("pipelines: [\n  - {definition: x\n", cfg, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("run.yaml:"), std::string::npos);
  EXPECT_NE(problems[0].find("not valid YAML"), std::string::npos);
  problems.clear();
  EXPECT_FALSE(parse("- just\n- a list\n", cfg, problems));
  EXPECT_NE(problems[0].find("must be a map"), std::string::npos);
}

// The command itself: these are refused before any connection is tried.
stepstream::testing_support::CommandResult run(const std::string& args) {
  return stepstream::testing_support::run_command(std::string(STEPSTREAM_BINARY) + " run " + args +
                                                  " 2>&1");
}

// `text` in a file of the test's temporary directory; its path.
std::string temp_file(const std::string& name, const std::string& text) {
  std::string file = ::testing::TempDir() + "/" + name;
  FILE* f = std::fopen(file.c_str(), "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return file;
}

// The command failed, and said each of `want`, each opened with `prefix`.
void expect_said(const stepstream::testing_support::CommandResult& r, const std::string& prefix,
                 std::initializer_list<std::string> want) {
  EXPECT_EQ(r.status, 1);
  for (const std::string& w : want)
    EXPECT_NE(r.out.find(prefix + w), std::string::npos) << w << "\n" << r.out;
}

TEST(RunCommand, RefusesAPipelineWithoutDeadLetterTopic) {
  auto r = run("--brokers 127.0.0.1:1 --definition " STEPSTREAM_SOURCE_DIR
               "/examples/iot-telemetry.asl.json --input-topic in --output-topic out");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--dlq-topic: missing: without a dead-letter topic, failed executions and "
                       "bad events would be lost; give one, or say --drop-failures"),
            std::string::npos)
      << r.out;
}

TEST(RunCommand, ReportsEveryProblemOfAConfigAtOnce) {
  const std::string file = temp_file("bad-run.yaml",
                                     "brokers: 127.0.0.1:1\n"
                                     "kafka: {no.such.property: 1}\n"
                                     "pipelines:\n"
                                     "  - definition: " STEPSTREAM_SOURCE_DIR
                                     "/examples/iot-telemetry.asl.json\n"
                                     "    input_topics: [a]\n"
                                     "    output_topic: out\n"
                                     "    dlq_topic: dlq\n"
                                     "    logging: {level: SOME}\n"
                                     "  - definition: /nonexistent/x.asl.json\n"
                                     "    input_topics: [a]\n"
                                     "    output_topic: a\n"
                                     "  - definition: " STEPSTREAM_SOURCE_DIR
                                     "/examples/hello.asl.json\n"
                                     "    input_topics: [c, c, 'no spaces']\n"
                                     "    output_topic: logs\n"
                                     "    dlq_topic: d\n"
                                     "    logging: {level: ALL, destination: 'kafka:a'}\n"
                                     "  - definition: " STEPSTREAM_SOURCE_DIR
                                     "/examples/hello.asl.json\n"
                                     "    input_topics: [e]\n"
                                     "    output_topic: f\n"
                                     "    dlq_topic: g\n"
                                     "    logging: {level: ALL, destination: 'kafka:logs'}\n");
  auto r = run("--config " + file);
  expect_said(
      r, "stepstream run: " + file,
      {
          ":2: kafka.no.such.property: No such configuration property",
          ":8: pipelines[0].logging.level: must be ALL, ERROR, FATAL or OFF, not \"SOME\"",
          ":9: pipelines[1].definition: cannot read /nonexistent/x.asl.json",
          ":10: pipelines[1].input_topics: topic a feeds another pipeline already",
          ":11: pipelines[1].output_topic: a is an input topic",
          ":9: pipelines[1].dlq_topic: missing",
          ":13: pipelines[2].input_topics: topic c is listed twice",
          ":13: pipelines[2].input_topics: a topic's name has only letters, digits, '.', '_' and "
          "'-': not \"no spaces\"",
          ":16: pipelines[2].logging.destination: a is an input topic: execution logs would run "
          "as events, without end",
          ":21: pipelines[3].logging.destination: logs is an output or dead-letter topic",
      });
}

TEST(RunCommand, AnUnreadableConfigIsOneProblemAmongTheOthers) {
  auto r = run("--config /nonexistent/run.yaml --workers 0 -X no.such=1");
  expect_said(r, "stepstream run: ",
              {
                  "/nonexistent/run.yaml: cannot read\n",
                  "--workers: must be a whole number from 1 to 1024",
                  "-X no.such: No such configuration property",
              });
}

// A config with one good pipeline; `extra` goes after it.
std::string write_config(const std::string& name, const std::string& extra = "") {
  return temp_file(name,
                   "brokers: 127.0.0.1:1\n"
                   "pipelines:\n"
                   "  - definition: " STEPSTREAM_SOURCE_DIR
                   "/examples/hello.asl.json\n"
                   "    input_topics: [in]\n"
                   "    output_topic: out\n" +
                       extra);
}

TEST(RunCommand, FlagsThatQualifyAFlagsPipelineMakeNoneBesideAConfig) {
  auto r = run("--config " + write_config("qualify.yaml", "    dlq_topic: dlq\n") +
               " --drop-failures --name x -X no.such=1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--drop-failures: qualifies the pipeline given by flags"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--name: qualifies the pipeline given by flags"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("--definition: missing"), std::string::npos) << "no pipeline of nothing\n"
                                                                    << r.out;
}

TEST(RunCommand, LoggingFlagsFillOnlyWhatTheConfigLeavesOut) {
  // The level comes from the flag, the destination from the config: the destination reported is
  // the config's.
  auto r =
      run("--config " +
          write_config("logging.yaml", "    dlq_topic: dlq\n    logging: {destination: syslog}\n") +
          " --log-level ALL --log-destination stdout");
  expect_said(r, ":7: pipelines[0].logging.destination: ",
              {"must be stdout, file:PATH or kafka:TOPIC, not \"syslog\""});
}

TEST(RunCommand, AConfigWithBrokersAndNoPipelineIsAProblem) {
  // Without brokers, such a config configures the demo.
  auto r = run("--config " + temp_file("no-pipelines.yaml", "brokers: 127.0.0.1:1\n"));
  expect_said(r, "stepstream run: ", {"no pipeline: give --definition"});
}

TEST(RunCommand, AFlagsValueIsBlamedOnTheFlagNotTheConfig) {
  auto r = run("--config " + write_config("blame.yaml", "    dlq_topic: dlq\n") +
               " --log-level SOME --log-destination kafka:in");
  expect_said(r, "stepstream run: ",
              {"--log-level: must be ALL, ERROR, FATAL or OFF, not \"SOME\"",
               "--log-destination: in is an input topic"});
  EXPECT_EQ(r.out.find("blame.yaml:"), std::string::npos) << r.out;
}

TEST(RunCommand, NoOutputHeadersHoldsForEveryPipeline) {
  // The flag overrides the config's setting; the command says so as it starts. SIGINT after 2 s:
  // it stops without a broker to reach.
  auto r = stepstream::testing_support::run_command(
      "timeout -s INT 2 " STEPSTREAM_BINARY " run --config " +
      write_config("headers.yaml", "    dlq_topic: dlq\n    output_headers: true\n") +
      " --no-output-headers 2>&1");
  EXPECT_NE(r.out.find("stepstream run: pipeline hello: in -> out (without headers), dead "
                       "letters -> dlq"),
            std::string::npos)
      << r.out;
}

TEST(RunCommand, PropertiesTheEngineSetsItselfAreRefused) {
  auto r = run("--config " + write_config("props.yaml", "    dlq_topic: dlq\n") +
               " -X acks=0 -X enable.idempotence=false -X group.id=g -X bootstrap.servers=h:1"
               " -X enable.auto.commit=true -X acks=all -X no.such=1 -X request.required.acks=1"
               " -X auto.commit.enable=true -X enable.idempotence=True -X acks=-1"
               " -X enable.auto.offset.store=0");
  expect_said(
      r, "stepstream run: ",
      {
          "-X acks: stays all: at-least-once needs it",
          "-X enable.idempotence: stays true: at-least-once needs it",
          "-X group.id: set by --group",
          "-X bootstrap.servers: set by --brokers",
          "-X enable.auto.commit: stays false: offsets are committed once outputs are delivered",
          "-X request.required.acks: stays all",
          "-X auto.commit.enable: stays false",
      });
  // The fixed values in other spellings are no problem: one problem each for acks=0 and
  // enable.idempotence=false, none for acks=all, acks=-1, enable.idempotence=True and
  // enable.auto.offset.store=0.
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = r.out.find(what); at != std::string::npos; at = r.out.find(what, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("-X acks:"), 1u) << r.out;
  EXPECT_EQ(count("-X enable.idempotence:"), 1u) << r.out;
  EXPECT_EQ(count("-X enable.auto.offset.store:"), 0u) << r.out;
}

TEST(RunCommand, EmptyBrokersBadRatesAndIntervalsAreProblems) {
  auto r =
      run("--brokers '' --demo-rate inf --status-interval abc --definition x.asl.json "
          "--input-topic in --output-topic out --dlq-topic dlq");
  expect_said(r, "stepstream run: ",
              {
                  "--brokers: empty: give HOST:PORT,...",
                  "--demo-rate: must be a number of events per second up to 10000000, not \"inf\"",
                  "--status-interval: must be seconds from 0 (none) to 86400, not \"abc\"",
              });
}

TEST(BrokerCommand, RefusesATopicKafkaWouldNot) {
  auto r = stepstream::testing_support::run_command(std::string(STEPSTREAM_BINARY) +
                                                    " broker --topics 'ok,not ok' 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("cannot create topic not ok: a topic's name has only letters"),
            std::string::npos)
      << r.out;
}

TEST(RunCommand, BadObservabilitySettingsAreProblemsThatNameTheFlag) {
  const std::string pipeline = "--brokers 127.0.0.1:1 --definition " STEPSTREAM_SOURCE_DIR
                               "/examples/iot-telemetry.asl.json --input-topic in "
                               "--output-topic out --dlq-topic dlq ";
  auto r = run(pipeline + "--log-level VERBOSE --metrics-port 70000");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--log-level: must be ALL, ERROR, FATAL or OFF, not \"VERBOSE\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("--metrics-port: must be a whole number from 0 to 65535"), std::string::npos)
      << r.out;
  r = run(pipeline + "--log-level ALL --log-destination syslog");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--log-destination: must be stdout, file:PATH or kafka:TOPIC, not "
                       "\"syslog\""),
            std::string::npos)
      << r.out;
}

TEST(RunCommand, DefinitionProblemsNameThePipelineAndPointer) {
  const std::string file =
      temp_file("bad-def.asl.json",
                R"({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})");
  auto r = run("--brokers 127.0.0.1:1 --definition " + file +
               " --input-topic in --output-topic out --dlq-topic dlq");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--definition: " + file + ": /States/A/Next"), std::string::npos) << r.out;
}

TEST(RunCommand, TheExampleConfigIsValid) {
  // A bad -X is the one problem, so that the command stops before connecting anywhere.
  // Run from elsewhere: its definitions are found beside it.
  auto r = stepstream::testing_support::run_command("cd / && " STEPSTREAM_BINARY
                                                    " run --config " STEPSTREAM_SOURCE_DIR
                                                    "/examples/pipelines.yaml -X no.such=1 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "stepstream run: -X no.such: No such configuration property: \"no.such\"\n");
}

}  // namespace
