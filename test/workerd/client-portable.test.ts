/**
 * The client's unit tests on the in-memory fake service, run again inside workerd, whose
 * EventTarget, AbortSignal and timers the client then uses.
 */
import '../client/lifecycle.test.js';
import '../client/recovery.test.js';
import '../client/keepalive.test.js';
import '../client/operations.test.js';
import '../client/protocols.test.js';
import '../client/trackers.test.js';
import '../client/retry.test.js';
import '../client/events.test.js';
