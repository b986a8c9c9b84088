// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";

export const techniques: TechniqueModule[] = [];
