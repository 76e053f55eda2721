/**
 * How the service names itself to its operators: the `service` key of every log line, the
 * `service` dimension Powertools adds to every metric, and the namespace the metrics go to (the
 * stack's alarms read them there).
 */
export const serviceName = 'ddx-assist';
export const metricsNamespace = 'DDxAssist';
