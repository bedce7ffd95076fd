/**
 * Rejection bodies for MQTT clients. The service turns the JSON body `{ mqtt: { code, reason } }`
 * of a failed `connect` into the CONNACK packet, so the HTTP status is mapped to an MQTT connect
 * code (https://learn.microsoft.com/azure/azure-web-pubsub/reference-mqtt-cloud-events).
 */

import type { EventHandlerError } from './errors.js';
import type { MqttConnectErrorResponseProperties } from './types.js';

// Values of the MqttV311ConnectReturnCode and MqttV500ConnectReasonCode enums of
// @azure/web-pubsub-express.
const MQTT_V311 = { serverUnavailable: 3, badUsernameOrPassword: 4, notAuthorized: 5 } as const;
const MQTT_V5 = { unspecifiedError: 128, badUserNameOrPassword: 134, notAuthorized: 135 } as const;

/**
 * Build the `{ mqtt: { code, reason } }` body that rejects an MQTT `connect`. The error's own
 * `mqtt` properties win. Otherwise 400 maps to bad user name or password, 401 and 403 to not
 * authorized, and anything else to server unavailable (3.1.1) or unspecified error (5).
 *
 * @param protocolVersion - 4 for MQTT 3.1.1, 5 for MQTT 5.0, from the connect body.
 */
export function toMqttConnectFailure(
  error: EventHandlerError,
  protocolVersion: number | undefined,
): { mqtt: MqttConnectErrorResponseProperties } {
  if (error.mqtt !== undefined) return { mqtt: error.mqtt };

  const isVersion5 = protocolVersion === 5;
  let code: number;
  if (error.status === 400) {
    code = isVersion5 ? MQTT_V5.badUserNameOrPassword : MQTT_V311.badUsernameOrPassword;
  } else if (error.status === 401 || error.status === 403) {
    code = isVersion5 ? MQTT_V5.notAuthorized : MQTT_V311.notAuthorized;
  } else {
    code = isVersion5 ? MQTT_V5.unspecifiedError : MQTT_V311.serverUnavailable;
  }

  const mqtt: MqttConnectErrorResponseProperties = { code };
  if (error.detail !== undefined) mqtt.reason = error.detail;
  return { mqtt };
}
