// The lifecycle suite against the emulator's ravnur dialect (test/e2e/providerSuite.ts). Its tokens last 10 minutes of
// the emulator's clock (6 s at 100x) instead of an hour, so the app must renew its /auth/token bearer many times over.
import { providerLifecycleSuite } from './providerSuite.js';

providerLifecycleSuite('ravnur', { tokenLifetimeSeconds: 600 });
