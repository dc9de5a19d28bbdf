# Observability checks: Prometheus rules, their unit tests and the scrape
# config. promtool comes from the Debian/Ubuntu "prometheus" package; it is
# installed when missing and we are root (CI containers), otherwise the
# target says how to get it.

PROMTOOL ?= promtool
PROM_DIR := deploy/prometheus

.PHONY: check-deploy promtool

promtool:
	@command -v $(PROMTOOL) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; \
	  else \
	    echo "promtool not found: install the prometheus package (apt-get install prometheus) or set PROMTOOL"; exit 1; \
	  fi; }

check-deploy: promtool ## promtool check rules/config, promtool test rules, and the dashboard/rules metric-name test
	cd $(PROM_DIR) && $(PROMTOOL) check rules triage_recording.yml triage_alerts.yml
	cd $(PROM_DIR) && $(PROMTOOL) test rules triage_rules_test.yml
	cd $(PROM_DIR) && $(PROMTOOL) check config prometheus.yml
	$(GO) test -count=1 ./deploy/ ./metrics/
