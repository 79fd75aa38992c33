import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * One synthesis at a time: what was rendered and checked during it, so that nothing is rendered or
 * checked twice. cdk8s's `Chart.toJson()` validates the whole app, and `App.synth()` validates the
 * whole app and then calls every chart's `toJson()`: with a policy check per chart, that is work in
 * charts x app. Within one synthesis the tree does not change, so a render or a check is reused;
 * outside of one, nothing is cached (a tree may change between two calls).
 */
interface Synthesis {
  readonly rendered: Map<ApiObject, unknown>;
  readonly results: Map<object, unknown>;
  /** The whole app was validated by cdk8s at the start of this synthesis (`App.synth`, `App.synthYaml`). */
  readonly appValidated: boolean;
}

let current: Synthesis | undefined;

/** Runs `fn` inside a synthesis scope, opening one unless one is open. */
export function withinSynthesis<T>(appValidated: boolean, fn: () => T): T {
  if (current) return fn();
  current = { rendered: new Map(), results: new Map(), appValidated };
  try {
    return fn();
  } finally {
    current = undefined;
  }
}

/** Whether the whole app has been validated in the open synthesis (so a chart need not validate again). */
export function appValidatedInSynthesis(): boolean {
  return current?.appValidated ?? false;
}

/** `o.toJson()`, at most once per synthesis. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the type of ApiObject.toJson
export function render(o: ApiObject): any {
  if (!current) return o.toJson();
  if (current.rendered.has(o)) return current.rendered.get(o);
  const json = o.toJson();
  current.rendered.set(o, json);
  return json;
}

/** `compute()` for `key`, at most once per synthesis. */
export function oncePerSynthesis<T>(key: object, compute: () => T): T {
  if (!current) return compute();
  if (current.results.has(key)) return current.results.get(key) as T;
  const value = compute();
  current.results.set(key, value);
  return value;
}

/** The ApiObjects a chart emits: those whose closest chart it is (what cdk8s puts in its output). */
export function ownApiObjects(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/**
 * Runs every validation of the subtree of `scope` and throws, as cdk8s does for the whole app, when
 * any fails.
 */
export function validateSubtree(scope: IConstruct): void {
  const errors: string[] = [];
  for (const child of scope.node.findAll()) {
    for (const error of child.node.validate()) errors.push(`[${child.node.path}] ${error}`);
  }
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

const HOOKED = new WeakSet<App>();

/**
 * Makes `app.synth()` and `app.synthYaml()` of the app of `scope` one synthesis scope each. Both
 * validate the whole app first (cdk8s), then render every chart, and no user code runs in between:
 * the renders and checks of the validation are the ones the output is made of.
 */
export function hookSynthesis(scope: IConstruct): void {
  const root = scope.node.root;
  if (!(root instanceof App) || HOOKED.has(root)) return;
  HOOKED.add(root);
  const synth = root.synth;
  const synthYaml = root.synthYaml;
  Object.defineProperty(root, 'synth', {
    configurable: true, writable: true, enumerable: false,
    value: function (this: App) { return withinSynthesis(true, () => synth.call(this)); },
  });
  Object.defineProperty(root, 'synthYaml', {
    configurable: true, writable: true, enumerable: false,
    value: function (this: App) { return withinSynthesis(true, () => synthYaml.call(this)); },
  });
}
