// `npm run db:stop`: stops the private PostgreSQL cluster (it keeps running after `npm start` exits).
import { loadConfig } from '../server/config.ts';
import { stopLocalCluster } from './local-cluster.ts';

const config = loadConfig();
if (config.DATABASE_URL) console.log('DATABASE_URL is set: there is no private cluster to stop.');
else stopLocalCluster(config.DATA_DIR);
