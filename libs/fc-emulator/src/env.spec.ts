import { describe, expect, it } from 'vitest';

import { DEFAULT_CLIENTS } from './default-clients.js';
import { optionsFromEnv } from './env.js';

describe('optionsFromEnv', () => {
  it('keeps every default when nothing is set', () => {
    expect(optionsFromEnv({})).toEqual({});
  });

  it('reads every variable', () => {
    expect(
      optionsFromEnv({
        FC_EMULATOR_HOST: '127.0.0.1',
        FC_EMULATOR_FC_PORT: '5001',
        FC_EMULATOR_FCP_PORT: '0',
        FC_EMULATOR_FC_PUBLIC_URL: 'https://fc.example.test',
        FC_EMULATOR_SAME_SUBJECT: 'true',
        FC_EMULATOR_CACHE_CLIENT_JWKS: 'yes',
        FC_EMULATOR_CLIENTS: JSON.stringify(DEFAULT_CLIENTS),
      }),
    ).toEqual({
      host: '127.0.0.1',
      fcPort: 5001,
      fcpPort: 0,
      fcPublicUrl: 'https://fc.example.test',
      sameSubject: true,
      cacheClientJwks: true,
      clients: DEFAULT_CLIENTS,
    });
  });

  it('reports every malformed variable at once', () => {
    expect(() => optionsFromEnv({ FC_EMULATOR_FC_PORT: 'http', FC_EMULATOR_SAME_SUBJECT: 'maybe', FC_EMULATOR_CACHE_CLIENT_JWKS: '2', FC_EMULATOR_CLIENTS: '[{}]' })).toThrow(
      /FC_EMULATOR_FC_PORT must be a port number[\s\S]*FC_EMULATOR_SAME_SUBJECT must be true or false[\s\S]*FC_EMULATOR_CACHE_CLIENT_JWKS must be true or false[\s\S]*client_id must be a non-empty string/,
    );
  });
});
