import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig('text-prep');
