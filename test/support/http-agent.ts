// The HTTP agent is part of the library's testing kit; the project's own tests use it from there.
export * from '../../libs/franceconnect/src/testing/cookie-jar.js';
export * from '../../libs/franceconnect/src/testing/html-page.js';
export * from '../../libs/franceconnect/src/testing/http-agent.js';
