import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { alertingMetrics } from '@ticketflow/alerting';
import { enrichmentMetrics } from '@ticketflow/enrichment';
import { gatewayMetrics } from '@ticketflow/gateway';
import { createMetricsRegistry } from '@ticketflow/observability';
import { statsCollectorMetrics } from '@ticketflow/stats';
import { parse as parseYaml } from 'yaml';

const DASHBOARD = join(__dirname, '../../k8s/ticketflow/files/grafana/ticketflow.json');
const RULES = join(__dirname, '../../k8s/ticketflow/files/prometheus');

/** Every metric name the services export: their own and Node's defaults (each service's registry has both). */
function exported(): Set<string> {
  const logger = new Logger('dashboard-spec');
  const none = async () => undefined;
  const registries = [
    createMetricsRegistry('webhook-gateway'),
    createMetricsRegistry('enrichment'),
    createMetricsRegistry('alerting'),
    createMetricsRegistry('stats-collector'),
  ];
  gatewayMetrics(registries[0]!);
  enrichmentMetrics(registries[1]!, logger, { lag: async () => ({}), openSetPendingSeconds: none });
  alertingMetrics(registries[2]!, logger, { usersAboveThreshold: none, oldestPendingOutboxSeconds: none });
  statsCollectorMetrics(registries[3]!, logger, {
    lastRevisedAt: none,
    pendingWindows: () => [],
    pendingWindowAge: () => 0,
    coverage: () => ({ audits: undefined, tickets: undefined }),
  });
  const names = new Set<string>();
  for (const registry of registries)
    for (const metric of registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    }
  return names;
}

/** Series Prometheus makes itself for every target. */
const PROMETHEUS_SERIES = ['up'];

const FUNCTIONS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'rate',
  'increase',
  'histogram_quantile',
  'time',
  'or',
]);

/** Metric names a PromQL expression reads: identifiers left once label matchers, groupings and ranges are gone. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  return (bare.match(/[a-zA-Z_:][\w:]*/g) ?? []).filter((token) => !FUNCTIONS.has(token));
}

describe('the Grafana dashboard and the alert rules read only metrics the services export', () => {
  const names = new Set([...exported(), ...PROMETHEUS_SERIES]);

  it('dashboard: every query names exported metrics', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsOf(t.expr)));
    expect(used.length).toBeGreaterThan(15);
    expect(used.filter((name) => !names.has(name))).toEqual([]);
  });

  it.each(['ticketflow.rules.yml', 'stats-collector.rules.yml'])(
    '%s: every rule names exported metrics',
    (file) => {
      const text = readFileSync(join(RULES, file), 'utf8');
      const exprs = [...text.matchAll(/expr: (>\n(?:\s{10,}.*\n)+|.*)/g)].map((m) => m[1]!);
      // Regex name matchers ({__name__=~"(a|b)_total"}) name their metrics inside the matcher.
      const matched = [...text.matchAll(/__name__=~"\(([^)]*)\)([^"]*)"/g)].flatMap((m) =>
        m[1]!.split('|').map((prefix) => prefix + m[2]),
      );
      const used = [...exprs.flatMap(metricsOf), ...matched];
      expect(used.length).toBeGreaterThan(3);
      expect(used.filter((name) => !names.has(name))).toEqual([]);
    },
  );

  it('the parser finds a name the services do not export (so the checks above can fail)', () => {
    expect(metricsOf('sum(rate(webhooks_recieved_total{service="x"}[5m]))')).toEqual([
      'webhooks_recieved_total',
    ]);
    expect(names.has('webhooks_recieved_total')).toBe(false);
  });
});

describe('alert rules are unit-tested both ways', () => {
  it.each(['ticketflow', 'stats-collector'])(
    '%s.rules.yml: each alert has a firing and a silent promtool case',
    (name) => {
      const rules = parseYaml(readFileSync(join(RULES, `${name}.rules.yml`), 'utf8')) as {
        groups: { rules: { alert: string }[] }[];
      };
      const tests = parseYaml(readFileSync(join(RULES, `${name}.rules.test.yml`), 'utf8')) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      const cases = tests.tests.flatMap((t) => t.alert_rule_test);
      for (const { alert } of rules.groups.flatMap((g) => g.rules)) {
        const mine = cases.filter((c) => c.alertname === alert);
        expect([
          alert,
          mine.some((c) => c.exp_alerts.length > 0),
          mine.some((c) => c.exp_alerts.length === 0),
        ]).toEqual([alert, true, true]);
      }
    },
  );
});
