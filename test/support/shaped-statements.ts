import { checkShapedStatements } from '../../src/db/shaped-query.ts';

// Every shaped statement the suite runs is also built from its arguments and compared with the
// shaped one (src/db/shaped-query.ts): a key that misses an input fails the test that varies it.
checkShapedStatements(true);
