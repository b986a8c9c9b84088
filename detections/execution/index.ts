// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT301 } from "./AZT301";
import { technique as AZT302 } from "./AZT302";
import { technique as AZT303 } from "./AZT303";

export const techniques: TechniqueModule[] = [AZT301, AZT302, AZT303];
