/** `app.kubernetes.io/part-of` of every object of the data-security sensor family. */
export const SENSOR = 'sensor';

/**
 * UID and GID of the sensor's containers: the vendor's images are built for user 1000. The
 * Prometheus agent runs as 65534 (nobody), as the upstream Prometheus image expects.
 */
export const SENSOR_UID = 1000;

/** The port the digger receives the interceptors' traffic metadata (and the crawler's findings) on. */
export const DIGGER_PORT = 9443;
/** The port the detection tool receives classification requests from the digger on. */
export const DETECTION_PORT = 8080;
/** The port every sensor pod serves Prometheus metrics on (named `metrics`). */
export const METRICS_PORT = 9090;
/** The interceptor's metrics port: on the node, since the interceptor shares the host network. */
export const INTERCEPTOR_METRICS_PORT = 9465;

