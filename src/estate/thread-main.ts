/** The estate thread of `EstateThread`: loads the simulation, then answers the estate's calls. */
import { parentPort, workerData } from 'node:worker_threads';
import { Channel, threadPort } from '../io/channel.js';
import { openStore } from '../store/open.js';
import { answerEstateCalls } from './proxy.js';
import { Simulation } from './simulation.js';
import { THREAD_OPS, type EstateThreadData } from './thread.js';

const { store: settings, imported, now } = workerData as EstateThreadData;
const channel = new Channel(threadPort(parentPort!), undefined);
let simulation: Simulation | undefined;

channel.handle(THREAD_OPS.load, async () => {
  simulation = await Simulation.load(await openStore(settings), { imported, now });
  return simulation !== undefined;
});
answerEstateCalls(channel, THREAD_OPS.estate, () => simulation);
