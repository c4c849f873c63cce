import { beforeAll, describe, expect, it } from 'vitest';
import type { DirectoryParseResult } from '../src/index.js';
import { entity, outline, parseFixture } from './helpers.js';

let result: DirectoryParseResult;
beforeAll(async () => {
  result = await parseFixture('tsx');
});

describe('tsx fixture', () => {
  it('parses every file as TSX without errors or warnings', () => {
    expect(result.errors).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.files.map((file) => [file.filePath, file.language, file.warnings])).toEqual([
      ['App.tsx', 'tsx', []],
      ['components/Button.tsx', 'tsx', []],
      ['components/Counter.tsx', 'tsx', []],
    ]);
  });

  it('extracts components, class components and nested helpers', () => {
    expect(outline(result.entities, 'components/Button.tsx')).toEqual([
      'interface ButtonProps 3-6',
      'function Button 9-13',
      'function Icon 18-21',
    ]);
    expect(outline(result.entities, 'components/Counter.tsx')).toEqual([
      'interface State 3-5',
      'class Counter 8-24',
      'method Counter.increment 12-14',
      'method Counter.render 16-23',
      'function Counter.render.renderLabel 17-17',
    ]);
    expect(outline(result.entities, 'App.tsx')).toEqual([
      'function App 5-16',
      'function App.handleClick 6-8',
      'function useTitle 18-20',
    ]);
  });

  it('attaches JSDoc and builds signatures', () => {
    const { entities } = result;
    expect(entity(entities, 'Button').docstring).toBe('A clickable button.');
    expect(entity(entities, 'Button').signature).toBe('const Button = ({ label, onClick }: ButtonProps) =>');
    expect(entity(entities, 'Icon').docstring).toBe('An icon, rendered inline.');
    expect(entity(entities, 'Icon').signature).toBe(
      'function Icon<T extends string>({ name }: { name: T }): JSX.Element',
    );
    expect(entity(entities, 'Counter').docstring).toBeUndefined();
    expect(entity(entities, 'Counter').signature).toBe('class Counter extends Component<{}, State>');
    expect(entity(entities, 'Counter.increment').docstring).toBe('Increments the counter.');
    expect(entity(entities, 'App').docstring).toBe('The application shell.');
    expect(entity(entities, 'useTitle').signature).toBe(
      'const useTitle = async (title: string): Promise<void> =>',
    );
    expect(entity(entities, 'Counter.render.renderLabel').sourceCode).toBe(
      'const renderLabel = (n: number) => <span>Count: {n}</span>',
    );
  });
});
