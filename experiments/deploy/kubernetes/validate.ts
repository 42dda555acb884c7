/**
 * Run-time check of rendered manifests before anything is applied: the
 * fields this project sets, with the rules the API server would enforce, so a
 * bad option fails before the cluster is touched. The full OpenAPI check
 * (kubernetes-models) is dev-only and runs in the tests.
 */
import { z } from 'zod';
import { DnsLabel, Quantity } from './options.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const Labels = z.record(
  z.string().regex(LABEL_KEY, 'invalid label key'),
  z.string().max(63).regex(LABEL_VALUE, 'invalid label value'),
);

const Metadata = z.looseObject({ name: DnsLabel, namespace: DnsLabel, labels: Labels });

const Port = z.number().int().min(1).max(65535);

const Resources = z.object({
  requests: z.record(z.string(), Quantity),
  limits: z.record(z.string(), Quantity),
});

const EnvVar = z.union([
  z.object({ name: z.string().min(1), value: z.string() }),
  z.object({ name: z.string().min(1), valueFrom: z.looseObject({}) }),
]);

const Container = z.looseObject({
  name: DnsLabel,
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']),
  env: z.array(EnvVar).optional(),
  ports: z.array(z.looseObject({ name: z.string().max(15), containerPort: Port })).optional(),
  resources: z.looseObject({ requests: z.record(z.string(), Quantity).optional(), limits: z.record(z.string(), Quantity).optional() }),
});

const PodTemplate = z.looseObject({
  metadata: z.looseObject({ labels: Labels }),
  spec: z.looseObject({ containers: z.array(Container).min(1), restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional() }),
});

const Deployment = z.looseObject({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('Deployment'),
  metadata: Metadata,
  spec: z.looseObject({
    replicas: z.number().int().nonnegative(),
    selector: z.looseObject({ matchLabels: Labels }),
    template: PodTemplate.extend({
      spec: PodTemplate.shape.spec.extend({ containers: z.array(Container.extend({ resources: Resources })).min(1) }),
    }),
  }),
});

const Service = z.looseObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: Metadata,
  spec: z.looseObject({
    type: z.literal('NodePort'),
    selector: Labels,
    ports: z.array(z.looseObject({ port: Port, nodePort: z.number().int().min(30000).max(32767).optional() })).min(1),
  }),
});

const Job = z.looseObject({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: Metadata,
  spec: z.looseObject({
    backoffLimit: z.number().int().nonnegative(),
    template: PodTemplate.extend({
      spec: PodTemplate.shape.spec.extend({ restartPolicy: z.enum(['OnFailure', 'Never']) }),
    }),
  }),
});

/**
 * The Knative Service of late binding, strictly the fields the template
 * emits (kubernetes-models has no Knative schema): every key is known, the
 * annotations that keep the activator in the path and fix the scale are
 * there, the container is the Deployment's container check.
 */
const ScaleAnnotation = z.string().regex(/^[1-9]\d*$/, 'a positive integer as a string');
const KnativeService = z.strictObject({
  apiVersion: z.literal('serving.knative.dev/v1'),
  kind: z.literal('Service'),
  metadata: z.strictObject({ name: DnsLabel, namespace: DnsLabel, labels: Labels }),
  spec: z.strictObject({
    template: z.strictObject({
      metadata: z.strictObject({
        labels: Labels,
        annotations: z.strictObject({
          'autoscaling.knative.dev/target-burst-capacity': z.literal('-1'),
          'autoscaling.knative.dev/min-scale': ScaleAnnotation,
          'autoscaling.knative.dev/max-scale': ScaleAnnotation,
          'autoscaling.knative.dev/initial-scale': ScaleAnnotation,
        }),
      }),
      spec: z.strictObject({
        containerConcurrency: z.number().int().min(1).max(1000),
        timeoutSeconds: z.number().int().positive().max(3600),
        automountServiceAccountToken: z.boolean(),
        securityContext: z.strictObject({ runAsNonRoot: z.boolean(), runAsUser: z.number().int(), runAsGroup: z.number().int() }),
        // Knative serves one container's port, named http1 (HTTP/1) or h2c
        containers: z.array(Container.extend({ resources: Resources, ports: z.array(z.strictObject({ name: z.enum(['http1', 'h2c']), containerPort: Port })).length(1) })).length(1),
        volumes: z.array(z.strictObject({ name: DnsLabel, emptyDir: z.strictObject({ sizeLimit: Quantity }) })),
      }),
    }),
  }),
});

/** Which schema checks an object: by API group and kind (a Knative Service is not a core one). */
const SCHEMAS: Record<string, z.ZodType> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'batch/v1/Job': Job,
  'serving.knative.dev/v1/Service': KnativeService,
};

/** Largest object the API server stores (etcd's request limit is 1.5 MiB); a LoadJob with inline images may exceed it. */
const MAX_OBJECT_BYTES = 1_000_000;

function subsetOf(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function crossFieldIssues(o: KubeObject): string[] {
  if (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1') {
    const a = KnativeService.parse(o).spec.template.metadata.annotations;
    return a['autoscaling.knative.dev/min-scale'] === a['autoscaling.knative.dev/max-scale'] ? [] : ['min-scale and max-scale differ: the replica count would drift'];
  }
  if (o.kind !== 'Deployment') return [];
  const d = Deployment.parse(o);
  return subsetOf(d.spec.selector.matchLabels, d.spec.template.metadata.labels)
    ? []
    : ['spec.selector.matchLabels do not match the pod template labels'];
}

/** Throws one line naming each object and field that is wrong. */
export function validateManifests(objects: readonly unknown[]): asserts objects is KubeObject[] {
  const problems: string[] = [];
  objects.forEach((raw, i) => {
    const head = z.looseObject({ apiVersion: z.string(), kind: z.string(), metadata: z.looseObject({ name: z.string() }) }).safeParse(raw);
    const where = head.success ? `${head.data.kind}/${head.data.metadata.name}` : `document ${i + 1}`;
    const schema = head.success ? SCHEMAS[`${head.data.apiVersion}/${head.data.kind}`] : undefined;
    if (!schema) {
      problems.push(`${where}: not a kind this backend creates`);
      return;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((x) => `${where}: ${x.path.join('.')}: ${x.message}`));
      return;
    }
    problems.push(...crossFieldIssues(raw as KubeObject).map((m) => `${where}: ${m}`));
    const size = JSON.stringify(raw).length;
    if (size > MAX_OBJECT_BYTES) problems.push(`${where}: ${size} bytes, larger than the API server accepts`);
  });
  if (problems.length) throw new Error(`invalid manifests: ${problems.join('; ')}`);
}
