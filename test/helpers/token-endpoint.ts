/**
 * A local Microsoft Entra ID token endpoint for tests: `POST /{tenant}/oauth2/v2.0/token` with
 * the client credentials grant. It issues RS256 tokens for the requested `.default` scope's
 * resource and publishes its key as a JSON Web Key Set, which the emulator's `entraIssuer`
 * option accepts.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from 'jose';

export interface TokenEndpoint {
  /** The authority host to pass to `ClientSecretCredential`. */
  url: string;
  /** The issuer (`iss`) of every token. */
  issuer: string;
  /** Public keys that verify the tokens. */
  jwks: JSONWebKeySet;
  /** Form fields of each token request, secrets included; tests only. */
  requests: Array<Record<string, string>>;
  /** Sign a token with the endpoint's key, for tests that need an unusual one. */
  sign(claims: Record<string, unknown>, audience: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTokenEndpoint(client: { tenantId: string; clientId: string; clientSecret: string }): Promise<TokenEndpoint> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }] };
  const requests: Array<Record<string, string>> = [];
  let issuer = '';

  const sign = (claims: Record<string, unknown>, audience: string): Promise<string> =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    requests.push(form);

    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };

    if (request.method !== 'POST' || request.url !== `/${client.tenantId}/oauth2/v2.0/token`) {
      reply(404, { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found.' });
      return;
    }
    if (form.grant_type !== 'client_credentials' || form.client_id !== client.clientId) {
      reply(400, { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found.' });
      return;
    }
    if (form.client_secret !== client.clientSecret) {
      reply(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0000' });
      return;
    }
    const scope = form.scope ?? '';
    if (!scope.endsWith('/.default')) {
      reply(400, { error: 'invalid_scope', error_description: 'AADSTS1002012: The provided value for scope is not valid.' });
      return;
    }

    const token = await sign({ appid: client.clientId, tid: client.tenantId }, scope.slice(0, -'/.default'.length));
    reply(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  issuer = `${url}/${client.tenantId}/v2.0`;
  return {
    url,
    issuer,
    jwks,
    requests,
    sign,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
