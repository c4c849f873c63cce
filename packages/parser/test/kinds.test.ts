import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CodeEntity, Language } from '@codesearch/core';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../src/index.js';
import { FIXTURES } from './helpers.js';

/** Parses one file of fixtures/kinds/. */
function parseKinds(file: string, language: Language): CodeEntity[] {
  const text = readFileSync(path.join(FIXTURES, 'kinds', file), 'utf8');
  const parsed = parseSource(text, language, file);
  expect(parsed.warnings).toEqual([]);
  return parsed.entities;
}

/** `kind qualifiedName start-end | signature`: every unit of the file, code chunks included. */
function units(entities: readonly CodeEntity[]): string[] {
  return entities.map(
    (entity) =>
      `${entity.kind} ${entity.qualifiedName} ${entity.lineNumber}-${entity.endLine} | ${entity.signature}`,
  );
}

describe('precise kinds and code chunks', () => {
  it('python: UPPER_CASE module constants; imports, statements and `if __name__` as code', () => {
    expect(units(parseKinds('settings.py', 'python'))).toEqual([
      // The module docstring and the imports: named `imports`, the docstring having no name.
      'code imports 1-4 | """Settings for the shop service."""',
      // The `#:` comment right above is attached to the constant.
      'constant UPLOAD_DIR 7-7 | UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", "/var/uploads"))',
      'constant MAX_ITEMS 8-8 | MAX_ITEMS: int = 100',
      'constant _DEFAULT_TIMEOUT 9-9 | _DEFAULT_TIMEOUT = 30',
      // A value on several lines is left out of the signature.
      'constant ALLOWED_HOSTS 10-13 | ALLOWED_HOSTS',
      // Lower-case names are variables of the module's code, not constants.
      'code debug 14-16 | debug = False',
      'class Config 19-31 | class Config:',
      'method Config.load 24-27 | def load(self, path):',
      'method Config.ready 30-31 | def ready(self):',
      'code print 34-38 | print("loaded")',
    ]);
  });

  it('typescript: enum, type, namespace, declare module, top-level const/let; require is code', () => {
    const entities = parseKinds('config.ts', 'typescript');
    expect(units(entities)).toEqual([
      "code imports 1-2 | import { readFileSync } from 'node:fs';",
      'enum LogLevel 5-8 | enum LogLevel',
      'type Handler 10-10 | type Handler = (request: Request) => Promise<Response>',
      'type Options 12-15 | type Options',
      'constant DEFAULT_PORT 18-18 | const DEFAULT_PORT = 8080',
      'constant defaults 19-19 | const defaults: Options = { verbose: false, level: LogLevel.Info }',
      'variable counter 20-20 | let counter = 0',
      "code fs 21-21 | const fs = require('node:fs');",
      'module Routes 23-28 | namespace Routes',
      // A namespace is a scope: its functions keep qualified names.
      'function Routes.join 25-27 | function join(...parts: string[]): string',
      "module express 30-34 | declare module 'express'",
      'interface express.Request 31-33 | interface Request',
      'interface Service 37-39 | interface Service',
      'method Service.start 38-38 | start(): void',
      'class Server 41-48 | class Server implements Service',
      'method Server.start 44-47 | start(): void',
      "code console 50-50 | console.log('ready');",
    ]);
    const port = entities.find((entity) => entity.name === 'DEFAULT_PORT')!;
    expect(port.docstring).toBe('The default port.');
    // As for `const f = () => …`, the source is the declarator's, without the `;`.
    expect(port.sourceCode).toBe('export const DEFAULT_PORT = 8080');
    expect(entities.find((entity) => entity.name === 'LogLevel')!.docstring).toBe(
      'How chatty the service is.',
    );
  });

  it('tsx: the same kinds in TSX', () => {
    expect(units(parseKinds('components.tsx', 'tsx'))).toEqual([
      "code imports 1-1 | import React from 'react';",
      "constant THEME 3-3 | const THEME = 'dark'",
      'enum Size 5-8 | enum Size',
      'function Badge 10-12 | function Badge({ label }: { label: string })',
      'code React 14-14 | React.render(<Badge label="x" />, document.body);',
    ]);
  });

  it('javascript: top-level const is a constant, let/var variables; requires stay code', () => {
    const entities = parseKinds('config.js', 'javascript');
    expect(units(entities)).toEqual([
      // `require`s and an alias of one (`fs.readFileSync`) are the imports' code, not constants.
      "code fs 1-5 | 'use strict';",
      'constant DEFAULTS 8-11 | const DEFAULTS',
      'variable cache 12-12 | let cache = null',
      'variable hits 13-13 | var hits = 0',
      'function load 15-19 | function load(file)',
      'code module 21-23 | module.exports = { load, DEFAULTS };',
    ]);
    expect(entities.find((entity) => entity.name === 'DEFAULTS')!.docstring).toBe('Default settings.');
  });

  it('javascript: a function passed to a helper after a name-like string is named after it', () => {
    const source = [
      '/** The protocol. */', // 1
      "defineGetter(req, 'protocol', function protocol() {", // 2
      "  return 'http';", // 3
      '});', // 4
      "emitter.on('data', function () {});", // 5
      "it('works', () => {});", // 6
      "define(app.settings, 'x-y', () => 1);", // 7
      '',
    ].join('\n');
    const entities = parseSource(source, 'javascript', 'request.js').entities;
    // Two arguments (`on`, `it`) or a string that is no name (`x-y`): code.
    expect(units(entities)).toEqual([
      'function req.protocol 2-4 | function protocol()',
      "code emitter 5-7 | emitter.on('data', function () {});",
    ]);
    expect(entities[0]).toMatchObject({ parent: 'req', docstring: 'The protocol.' });
  });

  it('go: struct, interface, other types, const and var (a grouped block is one unit)', () => {
    const entities = parseKinds('config.go', 'go');
    expect(units(entities)).toEqual([
      'code imports 1-4 | package config',
      'constant Port 7-7 | const Port = 8080',
      'constant Debug 10-13 | const Debug = iota',
      'variable timeout 15-15 | var timeout = 30 * time.Second',
      'type Duration 18-18 | type Duration int64',
      'type Alias 20-20 | type Alias = Duration',
      'struct Settings 23-26 | type Settings struct',
      'interface Loader 29-31 | type Loader interface',
      'method Loader.Load 30-30 | Load() (Settings, error)',
      'function Default 33-35 | func Default() Settings',
    ]);
    expect(entities.find((entity) => entity.name === 'Debug')!.docstring).toBe('Levels of logging.');
    expect(entities.find((entity) => entity.name === 'Duration')!.sourceCode).toBe('type Duration int64');
  });

  it('rust: const, static, type, macro_rules!, mod; impl and macro invocations are code', () => {
    const entities = parseKinds('config.rs', 'rust');
    expect(units(entities)).toEqual([
      'code imports 1-3 | use std::time::Duration;',
      'constant PORT 6-6 | pub const PORT: u16 = 8080',
      'constant GREETING 7-7 | static GREETING: &str = "hello"',
      'type Millis 8-8 | pub type Millis = u64',
      'macro secs 11-15 | macro_rules! secs',
      'code cfg_feature 17-21 | cfg_feature! {',
      // Items wrapped in a macro invocation are parsed from its tokens.
      'function timeout 18-20 | pub fn timeout() -> Duration',
      'struct Settings 25-27 | pub struct Settings',
      // The impl's own lines are a code chunk named after its type, whose outline leaves the
      // method bodies out.
      'code Settings 29-35 | impl Settings {',
      'constant Settings.DEFAULT_PORT 30-30 | pub const DEFAULT_PORT: u16 = PORT',
      'method Settings.new 32-34 | pub fn new() -> Self',
      'module defaults 37-41 | pub mod defaults',
      'function defaults.port 38-40 | pub fn port() -> u16',
      // An impl's associated type is part of the impl's chunk, not a unit.
      'code Settings 43-49 | impl Iterator for Settings {',
      'method Settings.next 46-48 | fn next(&mut self) -> Option<u16>',
    ]);
    expect(entities.find((entity) => entity.name === 'secs')!.docstring).toBe('Builds a duration.');
    const wrapped = entities.find((entity) => entity.name === 'timeout')!;
    expect(wrapped.sourceCode).toBe('pub fn timeout() -> Duration {\n    secs!(30)\n}');
    expect(entities.find((entity) => entity.name === 'cfg_feature')!.outline).toBe(
      'cfg_feature! {\n    pub fn timeout() -> Duration { … }\n}',
    );
    const impl = entities.find((entity) => entity.kind === 'code' && entity.lineNumber === 29)!;
    expect(impl.sourceCode).toContain('Settings { port: PORT }');
    expect(impl.outline).toBe(
      'impl Settings {\n    pub const DEFAULT_PORT: u16 = PORT;\n\n    pub fn new() -> Self { … }\n}',
    );
  });

  it('java: interface, enum, record, @interface, static final constants', () => {
    expect(units(parseKinds('Limits.java', 'java'))).toEqual([
      'code imports 1-3 | package com.example.shop;',
      'interface Limits 6-10 | public interface Limits',
      // Interface fields are constants.
      'constant Limits.MAX_ITEMS 7-7 | int MAX_ITEMS = 100',
      'method Limits.names 9-9 | List<String> names()',
      'enum Color 12-22 | enum Color',
      // `static final` is a constant; the instance field `uses` is part of the enum.
      'constant Color.COUNT 16-16 | public static final int COUNT = 2',
      'method Color.uses 19-21 | int uses()',
      'class Point 24-28 | record Point(int x, int y)',
      'method Point.Point 25-27 | Point',
      'interface Audited 30-32 | @interface Audited',
    ]);
  });
});
