import { Alerting1795620000000 } from './1795620000000-alerting';
import { AlertStateVersion1795640000000 } from './1795640000000-alert-state-version';

export const alertingMigrations = [Alerting1795620000000, AlertStateVersion1795640000000];
