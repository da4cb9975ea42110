import { isTransientFailure } from './failure';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isTransientFailure', () => {
  it.each([
    ['refused connection', withCode('ECONNREFUSED')],
    ['database shutting down (57P01)', withCode('57P01')],
    [
      'database not accepting connections (57P03)',
      withCode('57P03', 'database "x" is not currently accepting connections'),
    ],
    ['serialization failure (40001)', withCode('40001')],
    ['connection exception (08006)', withCode('08006')],
    ['node-postgres dropped connection', new Error('Connection terminated unexpectedly')],
    ['kafkajs retriable', Object.assign(new Error('leader not available'), { retriable: true })],
    ['wrapped cause', new Error('outer', { cause: withCode('ECONNRESET') })],
  ])('%s is transient', (_, error) => expect(isTransientFailure(error)).toBe(true));

  it.each([
    ['check constraint (23514)', withCode('23514')],
    ['invalid input syntax (22P02)', withCode('22P02')],
    ['a bug', new TypeError('cannot read properties of undefined')],
    ['not an error', 'boom'],
  ])('%s is deterministic', (_, error) => expect(isTransientFailure(error)).toBe(false));
});
