import { describeLightRegistration } from '@reef/testkit';
import { fileURLToPath } from 'node:url';

// Hosts register every installed delta type at start-up; the encoders load on first use.
describeLightRegistration({ packageDir: fileURLToPath(new URL('..', import.meta.url)) });
