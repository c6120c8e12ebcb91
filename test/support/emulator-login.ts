// Driving the emulator's pages is part of the library's testing kit; the project's own tests use it from there.
export * from '../../libs/franceconnect/src/testing/emulator-login.js';
