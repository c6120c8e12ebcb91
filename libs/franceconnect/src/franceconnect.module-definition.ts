import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { FranceConnectModuleOptions } from './options/franceconnect-options.interface.js';

/** Extras accepted by `forRoot` / `forRootAsync` beside the options themselves. */
export interface FranceConnectModuleExtras {
  /** Register the module globally, so guards can be used in every module. Default `true`. */
  isGlobal: boolean;
}

/**
 * The dynamic-module plumbing of {@link FranceConnectPlusModule}: `forRoot(options)` and
 * `forRootAsync({ imports, inject, useFactory })`, with the `isGlobal` extra (default `true`).
 */
export const {
  ConfigurableModuleClass: FranceConnectConfigurableModule,
  MODULE_OPTIONS_TOKEN: FRANCECONNECT_RAW_OPTIONS,
  OPTIONS_TYPE: FRANCECONNECT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: FRANCECONNECT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<FranceConnectModuleOptions>({ moduleName: 'FranceConnectPlus' })
  .setClassMethodName('forRoot')
  .setExtras<FranceConnectModuleExtras>({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
