{{/* Names and labels shared by every resource. */}}
{{- define "handrail.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "handrail.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "handrail.labels" -}}
{{ include "handrail.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The gateway's handrail.yaml: the user's config, with the policy pointed at the sidecar. */}}
{{- define "handrail.config" -}}
{{- $policy := dict "engine" "opa" "opa_url" "http://127.0.0.1:8181" -}}
{{- $audit := dict "spool_dir" "/var/lib/handrail/spool" -}}
{{- if .Values.secrets.checkpointKeyKey -}}
{{- $_ := set $audit "checkpoint_key" "os.environ/HANDRAIL_CHECKPOINT_KEY" -}}
{{- end -}}
{{- $server := dict "workers" (int .Values.workers) -}}
{{- $config := deepCopy .Values.config -}}
{{- $_ := set $config "policy" (merge (default (dict) (get $config "policy")) $policy) -}}
{{- $_ := set $config "audit" (merge (default (dict) (get $config "audit")) $audit) -}}
{{- $_ := set $config "server" (merge $server (default (dict) (get $config "server"))) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* The OPA sidecar's configuration: one bundle, polled from the bundle server, verified when a key is given. */}}
{{- define "handrail.opaConfig" -}}
services:
  bundles:
    url: {{ required "opa.bundleServer.url is required (the policy bundle server)" .Values.opa.bundleServer.url | quote }}
bundles:
  handrail:
    service: bundles
    resource: {{ .Values.opa.bundleServer.resource | quote }}
    persist: false
    polling:
      min_delay_seconds: {{ .Values.opa.polling.minDelaySeconds }}
      max_delay_seconds: {{ .Values.opa.polling.maxDelaySeconds }}
    {{- if .Values.opa.verificationKey.secretName }}
    signing:
      keyid: {{ .Values.opa.verificationKey.keyId | quote }}
    {{- end }}
{{- if .Values.opa.verificationKey.secretName }}
keys:
  {{ .Values.opa.verificationKey.keyId }}:
    # The PEM itself is read from the mounted Secret (opa run --set-file), never written into this ConfigMap.
    algorithm: RS256
{{- end }}
decision_logs:
  console: false
{{- end -}}
