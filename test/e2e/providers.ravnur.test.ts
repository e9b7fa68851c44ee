// The lifecycle suite against the emulator's ravnur dialect (test/e2e/providerSuite.ts).
import { providerLifecycleSuite } from './providerSuite.js';

providerLifecycleSuite('ravnur');
