/** `app.kubernetes.io/part-of` of every object of the observability family. */
export const OBSERVABILITY = 'observability';
