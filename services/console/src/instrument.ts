// Imported first by main.ts: OpenTelemetry must patch http and grpc before anything loads them.
import { instrument } from "@riposte/service-kit/instrument";

instrument("console");
