import { describe, expect, it } from 'vitest';

import { startOptionProblems } from './start-options.js';

describe('startOptionProblems', () => {
  it('accepts the defaults, free ports and public origins', () => {
    expect(startOptionProblems({})).toEqual([]);
    expect(startOptionProblems({ fcPort: 0, fcpPort: 0 })).toEqual([]);
    expect(startOptionProblems({ fcPublicUrl: 'https://fc.example.test', fcpPublicUrl: 'http://localhost:4002' })).toEqual([]);
  });

  it('refuses one port for both platforms, the default one included', () => {
    expect(startOptionProblems({ fcPort: 5000, fcpPort: 5000 })).toEqual(['fcPort and fcpPort must differ: FranceConnect and FranceConnect+ are separate providers.']);
    expect(startOptionProblems({ fcpPort: 4001 })).toHaveLength(1);
  });

  it('refuses an https origin on the port where the emulator serves http, on any name of this host', () => {
    expect(startOptionProblems({ fcPublicUrl: 'https://127.0.0.1:4001' })).toEqual([expect.stringMatching(/^fcPublicUrl is https:\/\/127\.0\.0\.1:4001, but the emulator serves plain http on that port/)]);
    expect(startOptionProblems({ host: 'emulator.test', fcpPort: 443, fcpPublicUrl: 'https://emulator.test' })).toHaveLength(1);
    // Another host is a reverse proxy in front of the emulator.
    expect(startOptionProblems({ fcpPublicUrl: 'https://fcp.example.test:4002' })).toEqual([]);
  });

  it('names the options with the labels given', () => {
    const labels = { fcPort: '--fc-port', fcpPort: '--fcp-port', fcPublicUrl: '--fc-public-url', fcpPublicUrl: '--fcp-public-url' };
    expect(startOptionProblems({ fcPort: 70000, fcPublicUrl: 'fc.example.test' }, labels)).toEqual([
      '--fc-port must be an integer between 0 and 65535 (0 picks a free port), got 70000.',
      '--fc-public-url must be an origin such as https://fc.example.test (no path: /api/v2 is added), got fc.example.test.',
    ]);
  });
});
