// Package deploy holds no code: it exists so that deploy_test.go can check
// the Prometheus rules and the Grafana dashboard in this directory against
// the metric names the binary really exports.
package deploy
