// Metrics module.
