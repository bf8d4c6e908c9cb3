// SPDX-License-Identifier: LGPL-2.1-or-later
// What each role may do, so that the console offers only what the server
// would allow. The server decides (403 otherwise); this only hides buttons.
//   read      every GET and the event stream
//   operator  also online/offline/move of groups, pause/resume/drain of
//             nodes, online/offline/fail of resources
//   admin     everything, property changes included

const OPERATOR = new Set([
  'group-online', 'group-offline', 'group-move',
  'node-pause', 'node-resume', 'node-drain',
  'resource-online', 'resource-offline', 'resource-fail',
]);

const ADMIN = new Set([...OPERATOR, 'group-properties', 'resource-properties', 'cluster-properties']);

export const ROLES = ['read', 'operator', 'admin'];

export function can(role, action) {
  if (!OPERATOR.has(action) && !ADMIN.has(action)) throw new Error(`unknown action ${action}`);
  if (role === 'admin') return ADMIN.has(action);
  if (role === 'operator') return OPERATOR.has(action);
  return false;
}
