# Real Apache Kafka for integration tests, without Docker (issue 3).
# Needs Java 17+ and Maven (first run only, to fetch the jars); see
# docs/testing.md and scripts/kafka/.

KAFKA_PORT     ?= 19092
# SASL_PLAINTEXT (SCRAM-SHA-256/512) listener and its throwaway test user;
# keep in step with scripts/kafka/env.sh.
KAFKA_SASL_PORT ?= $(shell echo $$(($(KAFKA_PORT) + 2)))
KAFKA_SASL_USER ?= triage
KAFKA_SASL_PASSWORD ?= triage-test-secret
KAFKA_SCRIPTS  := scripts/kafka
KAFKA_TEST_TIMEOUT ?= 25m
KAFKA_TESTS    ?= ./integration/... ./ops/...
KAFKA_TEST_RUN ?= .

.PHONY: kafka-up kafka-down kafka-restart test-kafka kcat-check

KAFKA_ENV = KAFKA_PORT=$(KAFKA_PORT) KAFKA_SASL_PORT=$(KAFKA_SASL_PORT) \
	KAFKA_SASL_USER=$(KAFKA_SASL_USER) KAFKA_SASL_PASSWORD=$(KAFKA_SASL_PASSWORD)

kafka-up: ## start a local Apache Kafka 4.x (KRaft, no Docker) and print its bootstrap address
	@$(KAFKA_ENV) $(KAFKA_SCRIPTS)/kafka-up.sh

kafka-down: ## stop the local Kafka started by kafka-up and wipe its data
	@$(KAFKA_ENV) $(KAFKA_SCRIPTS)/kafka-down.sh

kafka-restart: ## restart the local Kafka keeping its data
	@$(KAFKA_ENV) $(KAFKA_SCRIPTS)/kafka-restart.sh

# The interop tests drive kcat, an independent (librdkafka) client. CI runs
# as root on Debian, so install it there; elsewhere say what is missing.
kcat-check:
	@command -v kcat >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing kcat"; (apt-get update -qq && apt-get install -y -qq kcat) >/dev/null || { echo "kafka: apt-get install kcat failed"; exit 1; }; \
	  else echo "kafka: kcat not found: install it (Debian/Ubuntu: sudo apt-get install -y kcat)"; exit 1; fi; }

# test-kafka starts the harness broker, runs the real-Kafka integration tests
# against it and always stops it. TRIAGE_REQUIRE_KAFKA=1 makes the tests fail
# rather than skip when something they need is missing. The SASL variables
# use the INTEGRATION_ prefix: triage rejects unknown TRIAGE_* variables.
test-kafka: kcat-check build ## start Kafka, run the real-Kafka integration tests, stop Kafka
	@set -e; \
	trap '$(KAFKA_ENV) $(KAFKA_SCRIPTS)/kafka-down.sh' EXIT; \
	bootstrap=$$($(KAFKA_ENV) $(KAFKA_SCRIPTS)/kafka-up.sh); \
	echo "== Kafka at $$bootstrap, SCRAM at 127.0.0.1:$(KAFKA_SASL_PORT)"; \
	TRIAGE_KAFKA_BROKERS=$$bootstrap \
	INTEGRATION_KAFKA_SASL_BROKERS=127.0.0.1:$(KAFKA_SASL_PORT) \
	INTEGRATION_KAFKA_SASL_USER=$(KAFKA_SASL_USER) \
	INTEGRATION_KAFKA_SASL_PASSWORD=$(KAFKA_SASL_PASSWORD) \
	INTEGRATION_KAFKA_RESTART_CMD="env $(KAFKA_ENV) $(CURDIR)/$(KAFKA_SCRIPTS)/kafka-restart.sh" \
	INTEGRATION_TRIAGE_BIN=$(abspath $(BIN)) \
	TRIAGE_REQUIRE_KAFKA=1 \
	$(GO) test -count=1 -timeout $(KAFKA_TEST_TIMEOUT) -run '$(KAFKA_TEST_RUN)' -v $(KAFKA_TESTS)
