// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT301 } from "./AZT301";

export const techniques: TechniqueModule[] = [AZT301];
