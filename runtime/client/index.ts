/**
 * Public entry `driver-cert/client`: the client API over HTTP or in process, its connection and
 * error types, and the ClientDriver interface for custom transports.
 */

export {
  type ActorAccessor,
  type AnyRegistry,
  type Client,
  type ClientBase,
  type ClientOptions,
  type CreateOptions,
  createClient,
  createClientWithDriver,
  type GetOptions,
  type HttpClientOptions,
  type KeyInput,
} from "./client.ts";
export type {
  ClientDriver,
  DriverCallOptions,
  DriverEncodedCallOptions,
  SseHandlers,
  SseStream,
} from "./client-driver.ts";
export {
  ActorConnection,
  type ConnectionCloseInfo,
  type ConnectionOptions,
  type ConnectionStatus,
} from "./connection.ts";
export {
  CLIENT_ERROR_CATALOGUE,
  ClientActorError,
  type ClientErrorCode,
} from "./errors.ts";
export { type ActorConnectionOf, type ActorHandle, ActorHandleBase } from "./handle.ts";
export { createHttpClientDriver, type HttpClientDriverOptions } from "./http-client-driver.ts";
export { createInlineClient } from "./inline-client.ts";
export {
  createInlineClientDriver,
  type InlineRegistry,
  resolveInline,
} from "./inline-client-driver.ts";
