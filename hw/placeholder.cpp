// placeholder until hw modules land
