import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';

@Injectable()
class Clock {
  now(): number {
    return 42;
  }
}

@Injectable()
class UsesClock {
  // Constructor injection only works when the test transform emits `design:paramtypes`.
  constructor(readonly clock: Clock) {}
}

@Module({ providers: [Clock, UsesClock] })
class ToolchainModule {}

describe('toolchain', () => {
  it('keeps decorator metadata so Nest can inject by constructor type', async () => {
    expect(Reflect.getMetadata('design:paramtypes', UsesClock)).toEqual([Clock]);
    const moduleRef = await Test.createTestingModule({ imports: [ToolchainModule] }).compile();
    expect(moduleRef.get(UsesClock).clock.now()).toBe(42);
    await moduleRef.close();
  });
});
