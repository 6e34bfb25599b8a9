/*
 * A Kafka-protocol broker for integration tests: librdkafka's in-process mock cluster behind a tiny
 * line protocol, so tests need neither a JVM nor Docker.
 *
 * Usage:   mock-broker [broker_count] [topic:partitions ...]
 * stdout:  first line is the bootstrap list ("127.0.0.1:PORT[,127.0.0.1:PORT...]"), then one answer per
 *          command: "ok" or "error <message>".
 * stdin:   one command per line:
 *            create <topic> <partitions>   create a topic (replication = min(3, broker_count))
 * The process exits 0 when stdin reaches EOF, so a parent that dies (even by SIGKILL) never leaves it
 * running; on Linux it also asks for SIGTERM when its parent dies, for the same reason.
 *
 * What the mock does and does not serve (librdkafka 2.0.2 from Debian 12; src/rdkafka_mock*.c upstream):
 *  - Produce, Fetch, ListOffsets, Metadata (with topic auto-creation: 4 partitions), ApiVersions,
 *    FindCoordinator, JoinGroup/SyncGroup/Heartbeat/LeaveGroup, OffsetCommit/OffsetFetch, InitProducerId,
 *    transactions. NOT CreateTopics/DeleteTopics or other admin APIs (kafkajs admin.createTopics fails with
 *    "Broker 0 not found in the cached metadata"): use `create` here, or let a producer auto-create.
 *  - Consumer groups are served by a simplified coordinator (rdkafka_mock_cgrp.c) with fixed timings,
 *    measured with kafkajs 2.2.4:
 *      * the first member to join an empty group waits a hard-coded 3000 ms for its JoinGroup response
 *        (group.initial.rebalance.delay.ms; 2.0.x has no setter, newer librdkafka has
 *        rd_kafka_mock_group_initial_rebalance_delay_ms());
 *      * any other rebalance (a member joins a live group, leaves, or times out) waits
 *        `session.timeout.ms - 1000` ms before electing a leader, using the session timeout of the LAST
 *        JoinGroup it saw. A consumer that joins right after another one left thus waits ~29 s with
 *        kafkajs's default sessionTimeout of 30000, ~5 s with 6000; a second member joining a running
 *        group takes ~8 s with 6000 (the first member learns of the rebalance only by a heartbeat).
 *        Tests should set sessionTimeout ~6000 and heartbeatInterval ~500. Do not go much below 5000: a
 *        member is expired if its session runs out while it waits out the 3 s first join;
 *      * session expiry is checked once a second;
 *      * during rebalances kafkajs logs each REBALANCE_IN_PROGRESS heartbeat answer at ERROR level, so
 *        tests use logLevel NOTHING.
 *  - Committed offsets survive consumer restarts for the life of this process only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int replication_for(int broker_count) { return broker_count < 3 ? broker_count : 3; }

/* The mock logs through the handle passed to rd_kafka_mock_cluster_new; keep stdout for the protocol. */
static void log_to_stderr(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  fprintf(stderr, "mock-broker %d %s: %s\n", level, fac, buf);
}

static int parse_positive_int(const char *text, int *out) {
  char *end = NULL;
  long value;
  errno = 0;
  value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value <= 0 || value > 100000) return -1;
  *out = (int)value;
  return 0;
}

/* Writes the answer to `create`; returns 0 on success. */
static int create_topic(rd_kafka_mock_cluster_t *mcluster, int broker_count, const char *topic, int partitions,
                        char *err_out, size_t err_size) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, topic, partitions, replication_for(broker_count));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    snprintf(err_out, err_size, "%s: %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
    return -1;
  }
  return 0;
}

static void answer(const char *line) {
  /* A closed stdout means the parent is gone: stop instead of serving nobody. */
  if (printf("%s\n", line) < 0 || fflush(stdout) != 0) exit(0);
}

int main(int argc, char **argv) {
  int broker_count = 1;
  int first_topic_arg = 1;
  char errstr[512];
  char line[1024];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mcluster;

#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  signal(SIGPIPE, SIG_IGN);

  if (argc > 1 && strchr(argv[1], ':') == NULL) {
    if (parse_positive_int(argv[1], &broker_count) != 0) {
      fprintf(stderr, "mock-broker: invalid broker count '%s'\n", argv[1]);
      return 2;
    }
    first_topic_arg = 2;
  }

  /* rd_kafka_mock_cluster_new needs a client handle for its bookkeeping; a producer with no
   * bootstrap.servers never connects anywhere. */
  conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, log_to_stderr);
  if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "mock-broker: %s\n", errstr);
    return 1;
  }
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "mock-broker: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }

  mcluster = rd_kafka_mock_cluster_new(rk, broker_count);
  if (!mcluster) {
    fprintf(stderr, "mock-broker: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (int i = first_topic_arg; i < argc; i++) {
    char *spec = strdup(argv[i]);
    char *colon = strrchr(spec, ':');
    int partitions;
    if (!colon || colon == spec || parse_positive_int(colon + 1, &partitions) != 0) {
      fprintf(stderr, "mock-broker: invalid topic spec '%s' (want topic:partitions)\n", argv[i]);
      return 2;
    }
    *colon = '\0';
    if (create_topic(mcluster, broker_count, spec, partitions, errstr, sizeof(errstr)) != 0) {
      fprintf(stderr, "mock-broker: cannot create topic '%s': %s\n", spec, errstr);
      return 1;
    }
    free(spec);
  }

  answer(rd_kafka_mock_cluster_bootstraps(mcluster));

  while (fgets(line, sizeof(line), stdin) != NULL) {
    char command[32], topic[512], extra[2];
    char partitions_text[32];
    int partitions;
    int fields;

    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0') continue;

    fields = sscanf(line, "%31s %511s %31s %1s", command, topic, partitions_text, extra);
    if (fields >= 1 && strcmp(command, "create") == 0) {
      if (fields != 3 || parse_positive_int(partitions_text, &partitions) != 0) {
        answer("error usage: create <topic> <partitions>");
      } else if (create_topic(mcluster, broker_count, topic, partitions, errstr, sizeof(errstr)) != 0) {
        char reply[600];
        snprintf(reply, sizeof(reply), "error %s", errstr);
        answer(reply);
      } else {
        answer("ok");
      }
    } else {
      answer("error unknown command");
    }
  }

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
