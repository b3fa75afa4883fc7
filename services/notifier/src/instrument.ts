// Imported first by main.ts: OpenTelemetry must patch http (and fetch) before anything loads them.
import { instrument } from "@riposte/service-kit/instrument";

instrument("notifier");
