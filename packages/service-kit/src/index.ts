// @riposte/service-kit: everything that is the same in every Riposte service.
export { type Env, envBoolean, envList, envPort, loadConfig, sensitive } from "./config.js";
export { jsonMessageDecoder, type MessageDecoder } from "./decode.js";
export {
  BUCKET_ROLES,
  type BucketId,
  type BucketRole,
  type BucketUse,
  DEFAULT_RUNTIME,
  type GcpRoleGrant,
  isPushed,
  type KubernetesPermission,
  type LocalEnvironment,
  MIN_REDELIVERY_SPAN_SECONDS,
  type PushInput,
  RESPONDER_REDELIVERY,
  type RedeliveryPolicy,
  type RuntimeSettings,
  redeliverySpanSeconds,
  type ScheduledCallSpec,
  type ServiceDescriptor,
  subscriptionNameFor,
  type WorkloadIdentity,
} from "./descriptor.js";
export {
  type Decoded,
  type DecodeFailure,
  type PushEnvelope,
  type PushMessage,
  parsePushEnvelope,
} from "./envelope.js";
export {
  ConfigError,
  DeferredError,
  errorMessage,
  PermanentError,
  RetryableError,
  retryableOn,
} from "./errors.js";
export {
  createLogger,
  createSilentLogger,
  type Logger,
  type LoggerConfig,
  type TraceIds,
  traceLogFields,
} from "./log.js";
export {
  type AuthResult,
  createOidcAuthenticator,
  GOOGLE_OIDC_DEFAULTS,
  type OidcOptions,
  type PushAuthenticator,
} from "./oidc.js";
export { reportOutcome } from "./outcomes.js";
export {
  clampAttributes,
  createPubSubPublisher,
  DEFAULT_PUBLISHER_OPTIONS,
  type PublishedMessage,
  type Publisher,
} from "./publisher.js";
export {
  createPushApp,
  DEFAULT_PUSH_OPTIONS,
  type PushAppOptions,
  type PushContext,
  type PushRoute,
  pushRoute,
} from "./push.js";
export { addScheduledRoutes, type ScheduledRoute, type ScheduledRouteOptions } from "./scheduled.js";
export {
  type CommonConfig,
  closeGracefully,
  commonEnvSchema,
  type RunningService,
  type ServiceKit,
  type StartOptions,
  startService,
} from "./service.js";
export {
  escapeForSlack,
  type SlackTextOptions,
  type SlackTextStyle,
  slackDateToken,
  WORD_JOINER,
} from "./slack-text.js";
export { TimeoutError, type TimeoutOptions, withTimeout } from "./timeout.js";
export {
  CLOUD_TRACE_OTLP_URL,
  type ExporterChoice,
  exporterFor,
  loadTracingConfig,
  type TracingConfig,
  tracingEnvSchema,
} from "./tracing/config.js";
export {
  annotateActiveSpan,
  attributesWithContext,
  contextFromAttributes,
  currentTraceIds,
  incidentSpanAttributes,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  tracer,
  withSpan,
} from "./tracing/context.js";
