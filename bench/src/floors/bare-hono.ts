// Floor of floors: a hono app answering 204, no client library at all.
import { serveFloor } from "./serve.js";

serveFloor({ name: "floor-bare-hono" });
