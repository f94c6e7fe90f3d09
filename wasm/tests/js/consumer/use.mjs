import * as mmring from "mmring";
import exercise from "./exercise.cjs";

console.log(JSON.stringify(await exercise(mmring)));
