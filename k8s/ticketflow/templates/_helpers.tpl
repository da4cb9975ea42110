{{- define "ticketflow.labels" -}}
app.kubernetes.io/part-of: ticketflow
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "ticketflow.image" -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag }}
{{- end -}}

{{/* Env every service shares: Kafka, tracing, logging. */}}
{{- define "ticketflow.commonEnv" -}}
# Services bind 127.0.0.1 unless told otherwise; in a pod, probes and Services reach the pod's address.
- name: HOST
  value: "0.0.0.0"
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: KAFKA_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: OPS_ENDPOINTS
  value: {{ .Values.opsEndpoints | quote }}
{{- if .Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.otel.endpoint | quote }}
{{- else }}
- name: OTEL_SDK_DISABLED
  value: "true"
{{- end }}
{{- end -}}

{{/* Pod settings every service shares: non-root, a writable /tmp under a read-only root, time to drain on SIGTERM. */}}
{{- define "ticketflow.podSpec" -}}
# Leaving consumer groups, finishing requests and draining outbox relays happen after SIGTERM, within this time.
terminationGracePeriodSeconds: {{ .Values.pod.terminationGracePeriodSeconds }}
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .Values.pod.runAsUser }}
  runAsGroup: {{ .Values.pod.runAsUser }}
  seccompProfile: { type: RuntimeDefault }
volumes:
  - { name: tmp, emptyDir: { sizeLimit: 64Mi } }
{{- end -}}

{{/* Container settings every service shares. */}}
{{- define "ticketflow.containerSpec" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
volumeMounts:
  - { name: tmp, mountPath: /tmp }
lifecycle:
  # Endpoints stop routing to a terminating pod asynchronously: keep serving a moment before SIGTERM arrives.
  preStop: { exec: { command: [sleep, {{ .Values.pod.preStopSleepSeconds | quote }}] } }
{{- end -}}

{{/* Liveness: the process answers. Readiness: it can serve (the gateway stays ready while Kafka is down: it answers 503 + Retry-After itself). */}}
{{- define "ticketflow.probes" -}}
# Migrations and Kafka come before the port opens: up to 3 min to start before liveness counts.
startupProbe: { httpGet: { path: /health/live, port: http }, periodSeconds: 5, failureThreshold: 36 }
readinessProbe: { httpGet: { path: /health/ready, port: http }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 }
livenessProbe: { httpGet: { path: /health/live, port: http }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 }
{{- end -}}

{{/* Admin keys (POST /admin/...; metrics and docs when opsEndpoints is admin): key adminKeys of a service's Secret, optional. */}}
{{- define "ticketflow.adminKeys" -}}
- name: ADMIN_API_KEYS
  valueFrom: { secretKeyRef: { name: {{ .existingSecret }}, key: adminKeys, optional: true } }
{{- end }}
