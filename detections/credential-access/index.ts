// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT604 } from "./AZT604";

export const techniques: TechniqueModule[] = [AZT604];
