{{- define "workspaces.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "workspaces.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "workspaces.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "workspaces.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "workspaces.selector" -}}
app.kubernetes.io/name: {{ include "workspaces.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Pods that may reach workspace pods (the controller's WebPodLabels, in each workspace's NetworkPolicy): web and preview proxy. */}}
{{- define "workspaces.agentClientLabel" -}}
workspaces.dev/agent-client: "true"
{{- end -}}

{{- define "workspaces.image" -}}
{{- $tag := .image.tag | default .root.Values.global.imageTag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%s" .root.Values.global.imageRegistry .image.repository $tag -}}
{{- end -}}

{{- define "workspaces.postgresqlSecretName" -}}
{{- .Values.postgresql.existingSecret | default (printf "%s-postgresql" (include "workspaces.fullname" .)) -}}
{{- end -}}

{{- define "workspaces.databaseSecretName" -}}
{{- if .Values.postgresql.enabled -}}
{{- include "workspaces.postgresqlSecretName" . -}}
{{- else if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else -}}
{{- printf "%s-database" (include "workspaces.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "workspaces.databaseSecretKey" -}}
{{- if or .Values.postgresql.enabled (not .Values.database.existingSecret) -}}connection-string{{- else -}}{{ .Values.database.existingSecretKey }}{{- end -}}
{{- end -}}

{{- define "workspaces.credentialKeySecretName" -}}
{{- .Values.credentialKey.existingSecret | default (printf "%s-credential-key" (include "workspaces.fullname" .)) -}}
{{- end -}}

{{- define "workspaces.credentialKeySecretKey" -}}
{{- if .Values.credentialKey.existingSecret -}}{{ .Values.credentialKey.existingSecretKey }}{{- else -}}credential-key{{- end -}}
{{- end -}}

{{/* The chart's own containers: non-root, no privilege escalation, nothing but the default seccomp profile. */}}
{{- define "workspaces.containerSecurityContext" -}}
runAsNonRoot: {{ .Values.securityContext.runAsNonRoot }}
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: {{ .Values.securityContext.allowPrivilegeEscalation }}
readOnlyRootFilesystem: {{ .Values.securityContext.readOnlyRootFilesystem }}
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "workspaces.podSecurityContext" -}}
runAsNonRoot: true
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "workspaces.databaseEnv" -}}
- name: Workspaces__Database__Provider
  value: Postgres
- name: Workspaces__Database__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ include "workspaces.databaseSecretName" . }}
      key: {{ include "workspaces.databaseSecretKey" . }}
{{- end -}}

{{/* The controller's settings (section Workspaces:Controller) as JSON, mounted as a file. */}}
{{- define "workspaces.controllerConfig" -}}
{{- $classes := dict -}}
{{- range $name, $c := .Values.workspaces.classes -}}
{{- $_ := set $classes $name (dict "CpuRequest" ($c.cpuRequest | toString) "CpuLimit" ($c.cpuLimit | toString) "MemoryRequest" ($c.memoryRequest | toString) "MemoryLimit" ($c.memoryLimit | toString) "Storage" ($c.storage | toString) "EphemeralStorageRequest" ($c.ephemeralStorageRequest | toString) "EphemeralStorageLimit" ($c.ephemeralStorageLimit | toString)) -}}
{{- with (get $.Values.clusterAccess.devNamespaceClasses $name) -}}
{{- $_ := set (get $classes $name) "DevNamespace" (dict "Quota" (.quota | default dict) "DefaultLimits" (.defaultLimits | default dict) "DefaultRequests" (.defaultRequests | default dict)) -}}
{{- end -}}
{{- end -}}
{{- $le := dict "Enabled" true "LeaseName" (printf "%s-controller" (include "workspaces.fullname" .)) "LeaseDuration" .Values.controller.leaderElection.leaseDuration "RenewDeadline" .Values.controller.leaderElection.renewDeadline "RetryPeriod" .Values.controller.leaderElection.retryPeriod -}}
{{- $controller := dict
  "AgentImage" (include "workspaces.image" (dict "root" . "image" .Values.workspaces.agentImage))
  "DefaultWorkspaceImage" .Values.workspaces.defaultImage
  "ImagePullPolicy" .Values.global.imagePullPolicy
  "AgentPort" (int .Values.workspaces.agentPort)
  "StorageClassName" .Values.workspaces.storageClassName
  "DiskLimitBytes" (int64 .Values.workspaces.diskLimitBytes)
  "DefaultClass" .Values.workspaces.defaultClass
  "Classes" $classes
  "WebPodLabels" (dict "workspaces.dev/agent-client" "true" "app.kubernetes.io/instance" .Release.Name)
  "AllowInternet" .Values.workspaces.network.allowInternet
  "BlockedCidrs" .Values.workspaces.network.blockedCidrs
  "ClusterDomain" .Values.workspaces.clusterDomain
  "Dns" (dict "Namespace" .Values.workspaces.network.dns.namespace "PodLabels" .Values.workspaces.network.dns.podLabels "Cidrs" .Values.workspaces.network.dns.cidrs)
  "Workers" (int .Values.controller.workers)
  "StartTimeout" .Values.controller.startTimeout
  "BaseBackoff" .Values.controller.baseBackoff
  "MaxBackoff" .Values.controller.maxBackoff
  "LeaderElection" $le -}}
{{- if .Values.clusterAccess.enabled -}}
{{- $fullname := include "workspaces.fullname" . -}}
{{- $ca := .Values.clusterAccess -}}
{{- $_ := set $controller "ClusterAccess" (dict
  "Enabled" true
  "ApiServerCidrs" $ca.apiServerCidrs
  "ApiServerPorts" $ca.apiServerPorts
  "ReservedNamespaces" $ca.reservedNamespaces
  "SharedServices" $ca.sharedServices
  "TokenLifetime" $ca.tokenLifetime
  "StuckAfter" $ca.stuckAfter
  "Ceiling" $ca.ceiling
  "CeilingClusterRole" (printf "%s-dev-ceiling" $fullname)
  "OperatorClusterRole" (printf "%s-dev-operator" $fullname)
  "ControllerServiceAccount" (printf "%s-controller" $fullname)) -}}
{{- end -}}
{{- if and .Values.prebuilds.minio.enabled (eq (include "workspaces.prebuildStorage" .) "S3") -}}
{{- $_ := set $controller "PrebuildStore" (dict "Namespace" .Release.Namespace "PodLabels" (include "workspaces.selector" (dict "root" . "component" "minio") | fromYaml) "Port" 9000) -}}
{{- end -}}
{{- with .Values.telemetry.collector.podLabels -}}
{{- $collector := dict "Namespace" (default $.Release.Namespace $.Values.telemetry.collector.namespace) "PodLabels" . -}}
{{- with $.Values.telemetry.collector.port }}{{ $_ := set $collector "Port" (int .) }}{{ end -}}
{{- $_ := set $controller "AgentTelemetry" $collector -}}
{{- end -}}
{{- if eq (include "workspaces.prebuildStorage" .) "VolumeSnapshot" -}}
{{- $_ := set $controller "Snapshots" (dict "Enabled" true) -}}
{{- end -}}
{{- dict "Workspaces" (dict "Controller" $controller) | toPrettyJson -}}
{{- end -}}


{{/*
Blazor's negotiate request and its WebSocket must reach the same web pod. ingress-nginx reads its affinity cookie from
the Ingress; Traefik reads its sticky cookie from the Service. Both as the class asks, plus web.service.annotations.
*/}}
{{- define "workspaces.webServiceAnnotations" -}}
{{- $out := dict -}}
{{- if and .Values.ingress.enabled .Values.ingress.stickySessions (eq .Values.ingress.className "traefik") -}}
{{- $_ := set $out "traefik.ingress.kubernetes.io/service.sticky.cookie" "true" -}}
{{- $_ := set $out "traefik.ingress.kubernetes.io/service.sticky.cookie.name" "workspaces-affinity" -}}
{{- $_ := set $out "traefik.ingress.kubernetes.io/service.sticky.cookie.secure" (ternary "true" "false" .Values.ingress.tls.enabled) -}}
{{- $_ := set $out "traefik.ingress.kubernetes.io/service.sticky.cookie.httponly" "true" -}}
{{- end -}}
{{- range $k, $v := .Values.web.service.annotations -}}
{{- $_ := set $out $k ($v | toString) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}
{{/* Telemetry settings of the web app, the preview proxy and the controller (ServiceDefaults). */}}
{{- define "workspaces.telemetryEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- with .Values.telemetry.otlpEndpoint }}
- name: Workspaces__Telemetry__OtlpEndpoint
  value: {{ . | quote }}
- name: Workspaces__Telemetry__OtlpProtocol
  value: {{ $.Values.telemetry.otlpProtocol | quote }}
{{- end }}
- name: Workspaces__Logging__Format
  value: {{ .Values.telemetry.logFormat | quote }}
{{- if .Values.telemetry.prometheus.enabled }}
- name: Workspaces__Telemetry__Prometheus__Enabled
  value: "true"
- name: Workspaces__Telemetry__Prometheus__Port
  value: {{ .Values.telemetry.prometheus.port | quote }}
{{- end }}
{{- end }}

{{/* The management port /metrics is served on, when Prometheus is enabled. */}}
{{- define "workspaces.metricsPort" -}}
{{- if .Values.telemetry.prometheus.enabled }}
- name: metrics
  containerPort: {{ .Values.telemetry.prometheus.port }}
  protocol: TCP
{{- end }}
{{- end }}

{{/* Where prebuilds' snapshots are kept: VolumeSnapshot, S3 or None (prebuilds.storage, or chosen from what is configured). */}}
{{- define "workspaces.prebuildStorage" -}}
{{- $p := .Values.prebuilds -}}
{{- if eq $p.storage "volumeSnapshot" -}}VolumeSnapshot
{{- else if eq $p.storage "s3" -}}S3
{{- else if eq $p.storage "none" -}}None
{{- else if eq $p.storage "" -}}
{{- if $p.volumeSnapshotClass -}}VolumeSnapshot
{{- else if or $p.minio.enabled $p.s3.endpoint $p.s3.existingSecret -}}S3
{{- else -}}None
{{- end -}}
{{- else -}}
{{- fail (printf "prebuilds.storage must be volumeSnapshot, s3, none or empty (got %q)." $p.storage) -}}
{{- end -}}
{{- end -}}

{{- define "workspaces.minioSecretName" -}}
{{- .Values.prebuilds.minio.existingSecret | default (printf "%s-minio" (include "workspaces.fullname" .)) -}}
{{- end -}}

{{/* The object store's URL: prebuilds.s3.endpoint, else the chart's MinIO by its cluster name, else empty (AWS S3). */}}
{{- define "workspaces.prebuildStoreUrl" -}}
{{- if .Values.prebuilds.s3.endpoint -}}{{ .Values.prebuilds.s3.endpoint }}
{{- else if .Values.prebuilds.minio.enabled -}}{{ printf "http://%s-minio.%s.svc.%s:9000" (include "workspaces.fullname" .) .Release.Namespace .Values.workspaces.clusterDomain }}
{{- end -}}
{{- end -}}
