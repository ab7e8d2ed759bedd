/**
 * The wire protocol: messages, encodings, value rules, queries, headers and subprotocols
 * (docs/protocol.md).
 */
export { decodeAuthData, encodeAuthData } from "./auth-data.ts";
export { readBodyWithin } from "./body-reader.ts";
export {
  checkCborPolicy,
  checkJsonDepth,
  MAX_BIGNUM_BYTES,
  MAX_NESTING_DEPTH,
} from "./decode-policy.ts";
export { contentTypeFor, decodeValue, ENCODINGS, encodeValue, parseEncoding } from "./encoding.ts";
export {
  checkProtocolVersion,
  HEADER_ACTOR_ID,
  HEADER_AUTH_DATA,
  HEADER_CONN_ID,
  HEADER_CONN_PARAMS,
  HEADER_CONN_TOKEN,
  HEADER_ENCODING,
  HEADER_EXPOSE_ERRORS,
  HEADER_PROTOCOL_VERSION,
  HEADER_QUERY,
  INTERNAL_HEADER_PREFIX,
  stripInternalHeaders,
} from "./headers.ts";
export { decodeBody, type EncodedBody, encodeBody, errorResponse } from "./http-body.ts";
export {
  MAX_CONN_PARAMS_BYTES,
  MAX_KEY_COMPONENT_BYTES,
  MAX_KEY_COMPONENTS,
  MAX_MESSAGE_BYTES,
  MAX_RAW_HTTP_BODY_BYTES,
  MAX_SEND_BUFFER_BYTES,
  MAX_WEBSOCKET_MESSAGE_BYTES,
} from "./limits.ts";
export {
  decodeToClient,
  decodeToServer,
  encodeToClient,
  encodeToServer,
  fromSseData,
  toSseData,
} from "./message-codec.ts";
export {
  type Encoding,
  PROTOCOL_VERSION,
  type ToClientMessage,
  type ToServerMessage,
  type Transport,
  toClientMessageSchema,
  toClientMessageSchemas,
  toServerMessageSchema,
  toServerMessageSchemas,
} from "./messages.ts";
export {
  type ActorQuery,
  actorQuerySchema,
  asciiJson,
  decodeQueryInput,
  type ParseQueryOptions,
  parseConnParams,
  parseQuery,
  serializeConnParams,
  serializeQuery,
  validateKey,
} from "./query.ts";
export {
  buildSubprotocols,
  type ParsedSubprotocols,
  parseSubprotocols,
  SUBPROTOCOL_ENCODING_PREFIX,
  SUBPROTOCOL_MARKER,
  SUBPROTOCOL_PARAMS_PREFIX,
  SUBPROTOCOL_QUERY_PREFIX,
  type SubprotocolOptions,
} from "./subprotocols.ts";
export {
  assertCborEncodable,
  assertJsonEncodable,
  decodeCbor,
  encodeCbor,
  isJsonEncodable,
} from "./values.ts";
