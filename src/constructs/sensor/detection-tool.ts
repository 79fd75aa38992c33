import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { WorkloadOptions } from '../agent-workload';
import { VendorEndpoint } from '../endpoints';
import { SecretSource } from '../secrets';
import { DETECTION_PORT, METRICS_PORT } from './common';
import { SensorWorkload } from './sensor-workload';
import { reasonOf } from '../../needs/model';
import { DETECTION_TOOL_NEEDS } from './needs';

/** Where the detection tool fetches its classification models. */
export interface ModelUpdates {
  /** The vendor's update endpoint (model versions). */
  readonly endpoint: VendorEndpoint;
  /** The storage bucket the models are downloaded from, as an https URL. */
  readonly bucket: VendorEndpoint;
  /**
   * Token for the update endpoint, from outside the manifests; its path is UPDATE_TOKEN_FILE.
   * @default - none: the endpoint is public
   */
  readonly token?: SecretSource;
}

export interface SensorDetectionToolProps extends WorkloadOptions {
  /** Where model updates come from. */
  readonly updates: ModelUpdates;
  /**
   * The vendor credential, mounted as a file; VENDOR_CREDENTIAL_FILE holds its path.
   * @default - none
   */
  readonly vendorCredential?: SecretSource;
}

/**
 * The detection tool: a Deployment that classifies the samples the digger sends it on
 * `DETECTION_PORT`. It has no Kubernetes API access (no token, no role); its only way out is to the
 * vendor's update endpoint and model bucket, through the proxy or by their CIDRs.
 */
export class SensorDetectionTool extends SensorWorkload {
  public readonly service: ApiObject;
  /** The in-cluster address the digger sends samples to. */
  public readonly address: string;

  constructor(scope: Construct, id: string, props: SensorDetectionToolProps) {
    super(scope, id, {
      ...props,
      component: 'detection-tool',
      ports: [{ name: 'classify', port: DETECTION_PORT }, { name: 'metrics', port: METRICS_PORT }],
    });
    const updates = props.updates ?? this.v.fail('missing-updates', 'updates', props.updates, 'is missing', 'give { endpoint: { url }, bucket: { url } }');
    this.reachVendor('updates.endpoint', updates.endpoint, { reason: reasonOf(DETECTION_TOOL_NEEDS, 'updates') });
    this.reachVendor('updates.bucket', updates.bucket, { reason: reasonOf(DETECTION_TOOL_NEEDS, 'models') });
    const env: Record<string, string> = { UPDATE_URL: updates.endpoint.url, MODEL_BUCKET_URL: updates.bucket.url };
    if (updates.token !== undefined) env.UPDATE_TOKEN_FILE = this.mountSecretFile('updates.token', updates.token);
    for (const [k, value] of Object.entries(env)) this.mainContainer.env.addVariable(k, kplus.EnvValue.fromValue(value));
    if (props.vendorCredential !== undefined) this.mountVendorCredential('vendorCredential', props.vendorCredential);
    this.service = this.addService([{ name: 'classify', port: DETECTION_PORT }]);
    this.address = `${this.name}.${this.namespace ?? 'default'}.svc:${DETECTION_PORT}`;
  }
}
