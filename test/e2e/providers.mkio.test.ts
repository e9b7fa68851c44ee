// The lifecycle suite against the emulator's mkio dialect (test/e2e/providerSuite.ts).
import { providerLifecycleSuite } from './providerSuite.js';

providerLifecycleSuite('mkio');
