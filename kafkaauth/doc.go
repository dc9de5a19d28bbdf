// Package kafkaauth turns the operator's TLS and SASL settings into franz-go
// client options, so every command that talks to Kafka connects to a
// secured cluster the same way.
//
// Secrets never live in the YAML file: a SASL password comes from an
// environment variable (TRIAGE_KAFKA_SASL_PASSWORD, mapped by the app config
// onto kafka.sasl.password) or from a file (kafka.sasl.password_file, e.g. a
// mounted Kubernetes Secret). The password file is read at every
// authentication, so a rotated secret is picked up on the next connection
// without a restart. Secret values are of type Secret, which formats and
// marshals as "***", so printing a Config (or `config print`) cannot leak
// them.
package kafkaauth
