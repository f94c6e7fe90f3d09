const mmring = require("mmring");
require("./exercise.cjs")(mmring).then((seen) => console.log(JSON.stringify(seen)));
