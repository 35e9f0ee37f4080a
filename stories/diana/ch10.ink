// ───────────────────────── Chapter 10: The Open Gate (VIP) ─────────────────────────
=== chapter_10 ===
{ not vip(): -> vip_gate }
{t("Chapter 10 · The Open Gate", "Capítulo 10 · La verja abierta")} #chapter:10 #title
-> c10_01

=== c10_01 ===
{t("The last hour of the night is the quietest. Lucien makes tea, because there is nothing else to do and because he has always made tea when there was nothing else to do. The three of you drink it in the studio, under the skylight, watching the stars go pale.", "La última hora de la noche es la más callada. Lucien prepara té, porque no hay nada más que hacer y porque siempre ha hecho té cuando no había nada más que hacer. Os lo tomáis los tres en el estudio, bajo la claraboya, viendo cómo palidecen las estrellas.")} #scene:10_01
{
- why_here_kind == "normal" && why_here_quote != "":
    {t("“The first night, at the gate,” Lucien says, “I asked you what brought you here. You said: ‘{why_here_quote}’ I wrote it down, afterwards. I write everything down. I wanted to tell you that I believed you.”", "—La primera noche, en la verja —dice Lucien—, te pregunté qué te había traído aquí. Dijiste: «{why_here_quote}». Lo apunté, después. Lo apunto todo. Quería decirte que te creí.")}
- why_here_kind == "silent":
    {t("“The first night, at the gate,” Lucien says, “I asked you what brought you here and you said nothing at all. I think I understand the answer now. It took me a week.”", "—La primera noche, en la verja —dice Lucien—, te pregunté qué te había traído aquí y no dijiste nada. Creo que ahora entiendo la respuesta. Me ha costado una semana.")}
- else:
    {t("“The first night, at the gate,” Lucien says, “I asked you what brought you here, and you did not really tell me. You do not need to any more. I can see what did.”", "—La primera noche, en la verja —dice Lucien—, te pregunté qué te había traído aquí, y en realidad no me lo dijiste. Ya no hace falta. Veo lo que te trajo.")}
}
+ [{t("Watch the skylight", "Mirar la claraboya")}] -> c10_02

=== c10_02 ===
{t("The first grey light comes through the glass, and the house answers the choice that was made in it.", "La primera luz gris entra por el cristal, y la casa responde a la elección que se hizo en ella.")} #scene:10_02 #consequence:kept
{
- kept == "diana":
    -> c10_glass
- kept == "letter":
    -> c10_letter
- kept == "portrait":
    -> c10_painters
- kept == "key":
    { closeness >= 10:
        -> c10_gate
    - else:
        -> c10_road
    }
- else:
    { closeness >= 10:
        -> c10_gate
    - else:
        -> c10_road
    }
}

// ── Ending: kept in glass ──
=== c10_glass ===
{t("Diana is still in the studio when the sun comes up, and she is still in the mirror, and it is the mirror one who speaks. The one beside you has gone as quiet and as faint as a watermark.", "Diana sigue en el estudio cuando sale el sol, y sigue en el espejo, y es la del espejo la que habla. La que está a tu lado se ha vuelto tan callada y tan tenue como una marca de agua.")} #scene:10_03g
{t("“I asked you not to,” she says, without anger. “I know why you did. You did not want to lose me. Nobody who chooses that ever wants to lose anyone. It is always love. That is what makes it so hard to refuse.”", "—Te pedí que no lo hicieras —dice, sin enfado—. Sé por qué lo hiciste. No querías perderme. Nadie que elige eso quiere perder a nadie. Siempre es por amor. Por eso cuesta tanto negarse.")}
{t("Lucien sits down on the floor beside the mirror with his back against the frame, the way he once sat outside her door. He does not say “I told you so.” He did tell you so. He looks as if he wishes with his whole heart that he had been wrong.", "Lucien se sienta en el suelo junto al espejo, con la espalda contra el marco, como se sentaba antes al otro lado de su puerta. No dice «te lo dije». Te lo dijo. Tiene cara de desear con toda el alma haberse equivocado.")}
+ [{t("Put your hand on the glass", "Poner la mano en el cristal")}] -> c10_glass_end

=== c10_glass_end ===
{t("The glass is warm, as it was on the first night, and a fingertip meets yours from the other side, and stays. “Come and visit,” Diana says. “The street will still be here. I will see to that; it is the one thing I can still do. Bring me the city, a piece at a time. Tell me about the fountain when it runs again.”", "El cristal está tibio, como la primera noche, y una yema de dedo se encuentra con la tuya desde el otro lado, y se queda. —Ven a verme —dice Diana—. La calle seguirá aquí. De eso me encargo yo; es lo único que todavía puedo hacer. Tráeme la ciudad, a trocitos. Cuéntame lo de la fuente cuando vuelva a correr.")} #scene:10_04g #ending:kept_in_glass
{ seen_unwatched_kind == "normal" && seen_unwatched_quote != "":
    {t("“And I will keep what you told me in the studio: ‘{seen_unwatched_quote}’. I can see it from here. I will always be able to see it from here.”", "—Y guardaré lo que me dijiste en el estudio: «{seen_unwatched_quote}». Lo veo desde aquí. Siempre podré verlo desde aquí.")}
}
{t("You walk home in the morning with the street solid under your feet and the house at your back, every window reflecting the sun, though the sun is behind you. In one of them, if you turn at the corner, someone is waving.", "Vuelves a casa por la mañana con la calle firme bajo los pies y la casa a tu espalda, con todas las ventanas reflejando el sol, aunque el sol queda detrás. En una de ellas, si te vuelves en la esquina, alguien te dice adiós con la mano.")}
~ reward(50)
-> END

// ── Ending: the letter ──
=== c10_letter ===
{t("The light comes, and the house begins, very gently, to let go. The mirrors first: one by one they empty, no candles, no reflections, only clear glass showing the wall behind. Then the canvases, which do not vanish but grow faint, like paintings seen through rain. Lucien takes Diana's hand. She is solid, completely, for the first time since you met her.", "Llega la luz, y la casa empieza, con mucha suavidad, a soltar. Primero los espejos: uno a uno se vacían, sin velas, sin reflejos, solo cristal limpio que deja ver la pared de detrás. Luego los lienzos, que no desaparecen pero se desvaídan, como cuadros vistos a través de la lluvia. Lucien coge la mano de Diana. Ella está entera, del todo, por primera vez desde que la conoces.")} #scene:10_03l
{t("“You chose the memory,” she says. “So the house will be only that now. A memory. Everything it was keeping goes back where it belongs: the portraits to the people in them, the street to the city, Lucien to himself. And me to the world, which I suppose I had better go and look at.”", "—Elegiste el recuerdo —dice—. Así que la casa ya solo será eso. Un recuerdo. Todo lo que guardaba vuelve a su sitio: los retratos a quienes salen en ellos, la calle a la ciudad, Lucien a sí mismo. Y yo al mundo, al que supongo que más vale que vaya a echar un vistazo.")}
{ what_you_miss_kind == "normal" && what_you_miss_quote != "":
    {t("Lucien, at the door, says: “You told me what you would miss if the street were gone: ‘{what_you_miss_quote}’. Now you will find out if you were right. I hope you were.”", "Lucien, en la puerta, dice: —Me dijiste qué echarías de menos si la calle desapareciera: «{what_you_miss_quote}». Ahora vas a saber si acertabas. Ojalá que sí.")}
- else:
    {t("Lucien, at the door, says: “I asked you once what you would miss if the street were gone. Now you will find out. So will I.”", "Lucien, en la puerta, dice: —Una vez te pregunté qué echarías de menos si la calle desapareciera. Ahora lo vas a saber. Y yo también.")}
}
+ [{t("Close your eyes", "Cerrar los ojos")}] -> c10_letter_end

=== c10_letter_end ===
{t("You wake in your own bed with the morning on your face and the letter in your hand. Through the window the old quarter looks exactly as it always has: the shuttered bakeries, the fountain that does not run. At the end of the street where the house stood, there is only a wall.", "Despiertas en tu cama con la mañana en la cara y la carta en la mano. Por la ventana, el barrio viejo está igual que siempre: las panaderías cerradas, la fuente sin agua. Al final de la calle donde estaba la casa, solo hay un muro.")} #scene:10_04l #ending:the_letter
{t("But the letter has one more line at the bottom, in the forward-leaning hand, the ink still drying: “Look for me in the city. I will be the one looking at things. — D.”", "Pero la carta tiene una línea más al pie, con la letra inclinada, la tinta aún fresca: «Búscame por la ciudad. Seré quien esté mirando las cosas. D.»")}
{t("That afternoon, for the first time in years, the fountain in the square begins to run.", "Esa tarde, por primera vez en años, la fuente de la plaza vuelve a correr.")}
~ reward(50)
-> END

// ── Ending: two painters ──
=== c10_painters ===
{t("The light comes, and the house keeps what it was given: the portrait. Everything else, it lets go of, gently, like a hand opening. The mirrors show only the room. The canvases of doors are only canvases. And Diana, by the window, is entirely, ordinarily there, squinting at the sunrise as if she had forgotten it was so bright.", "Llega la luz, y la casa se queda con lo que le dieron: el retrato. Todo lo demás lo suelta, con suavidad, como una mano que se abre. Los espejos solo muestran la sala. Los lienzos de puertas solo son lienzos. Y Diana, junto a la ventana, está del todo y sin más, entornando los ojos ante el amanecer como si hubiera olvidado que era tan luminoso.")} #scene:10_03p
{ trust >= 7:
    {t("Lucien goes down to the gallery and, with his own bare hands, lifts every silk from every portrait. You follow with Diana. In the daylight the faces are not monstrous, not shameful; they are only people as they are when nobody watches, which is to say, tired and hopeful and odd. Diana looks at them for a long time. “You painted these,” she says to Lucien. “They are good. They are better than good. Why did you never tell me?”", "Lucien baja a la galería y, con sus propias manos desnudas, retira la seda de todos los retratos. Tú le sigues con Diana. A la luz del día las caras no son monstruosas ni vergonzosas; solo son gente tal como es cuando nadie la mira, es decir, cansada, esperanzada y rara. Diana las mira mucho rato. —Los pintaste tú —le dice a Lucien—. Son buenos. Son mejores que buenos. ¿Por qué nunca me lo dijiste?")}
- else:
    {t("Lucien goes down to the gallery and stands in front of the silks for a long time before he lifts the first one. His hands shake. Diana comes and lifts the second herself, and then the third, and they go along the wall together until every face is bare. “You painted these,” she says. “I knew. I always knew. I was waiting for you to say it.”", "Lucien baja a la galería y se queda mucho rato delante de las sedas antes de levantar la primera. Le tiemblan las manos. Diana se acerca y levanta ella la segunda, y luego la tercera, y recorren juntos la pared hasta dejar todas las caras al descubierto. —Los pintaste tú —dice ella—. Lo sabía. Siempre lo supe. Esperaba que lo dijeras.")}
}
+ [{t("Look at the twelfth frame", "Mirar el duodécimo marco")}] -> c10_painters_end

=== c10_painters_end ===
{t("The portrait of the door and the hand hangs in the twelfth frame now, without silk, and the wallpaper around it is the same colour as everywhere else. Underneath, someone has added a small brass plate: “L. M. V. and D., together.”", "El retrato de la puerta y la mano cuelga ahora en el duodécimo marco, sin seda, y el papel pintado que lo rodea es del mismo color que en todas partes. Debajo, alguien ha añadido una placa pequeña de latón: «L. M. V. y D., juntos».")} #scene:10_04p #ending:two_painters
{t("“The house is ours to keep now, not the other way round,” Diana says. “We shall open the gallery on Sundays. Lucien will disapprove of every visitor and make them all tea. And you,” she turns to you, “have a key to the gate, and a standing appointment, and a portrait to finish sitting for. I did not get your hands quite right.”", "—Ahora somos nosotros quienes guardamos la casa, y no al revés —dice Diana—. Abriremos la galería los domingos. Lucien desaprobará a cada visitante y les hará té a todos. Y tú —se vuelve hacia ti— tienes una llave de la verja, una cita fija y un retrato para el que aún te falta posar. No te he sacado bien las manos.")}
{t("When you walk home that morning, the street is still there, solid and ordinary, with a bakery at the corner that has its shutters up for the first time in years.", "Cuando vuelves a casa esa mañana, la calle sigue ahí, firme y corriente, con una panadería en la esquina que ha subido la persiana por primera vez en años.")}
~ unlock("front_gate_key")
~ reward(50)
-> END

// ── Ending: the open gate ──
=== c10_gate ===
{t("The light comes, and far below, the front gate swings open on its own and does not swing shut. The house sighs through every room. It has let go of everything, and for the first time in a hundred years it is only a house: old, draughty, full of paintings, with the kettle on.", "Llega la luz, y muy abajo la verja principal se abre sola y no vuelve a cerrarse. La casa suspira por todas las habitaciones. Lo ha soltado todo, y por primera vez en cien años solo es una casa: vieja, con corrientes, llena de cuadros, con el agua puesta al fuego.")} #scene:10_03o
{t("Diana stands at the top of the stairs in her grey coat. She has no mask. She is entirely solid, and she is shaking.", "Diana está en lo alto de la escalera, con su abrigo gris. No lleva máscara. Está entera, y tiembla.")}
{t("“I would like to go out,” she says. “I would like to see the street, and the fountain that does not run, and the bakery, and whatever is past the bakery. I would like not to do it alone. Will you walk with me? Only to the corner. We can decide about the rest at the corner.”", "—Me gustaría salir —dice—. Me gustaría ver la calle, y la fuente que no corre, y la panadería, y lo que haya después de la panadería. Me gustaría no hacerlo a solas. ¿Vienes conmigo? Solo hasta la esquina. Lo demás lo decidimos en la esquina.")}
+ [{t("Give her your hand, palm up", "Tenderle la mano, con la palma hacia arriba")} #emo:empath+1] -> c10_gate_end
+ [{t("“To the corner, and past it.”", "—Hasta la esquina, y más allá.")} #emo:direct+1] -> c10_gate_end

=== c10_gate_end ===
{t("She takes your hand exactly the way the painted hand was waiting to be taken. Lucien watches you both go down the stairs, through the hall of mirrors, where for once every reflection is the same, and out through the open gate.", "Te coge la mano exactamente como la mano pintada esperaba que la cogieran. Lucien os ve bajar la escalera, cruzar el vestíbulo de los espejos, donde por una vez todos los reflejos son iguales, y salir por la verja abierta.")} #scene:10_04o #ending:open_gate
{t("At the gate Diana stops, and turns, and calls up to him: “Lucien! The kettle. Come on.” And Lucien, who has not left the house in a year either, you realise, puts down the tray, and takes off his gloves, and comes.", "En la verja Diana se detiene, se vuelve y le grita: —¡Lucien! El agua. Vamos. Y Lucien, que tampoco ha salido de la casa en un año, te das cuenta, deja la bandeja, se quita los guantes y baja.")}
{ seen_unwatched_kind == "normal" && seen_unwatched_quote != "":
    {t("At the corner, in the first sun, Diana squeezes your hand. “You told me what you hope someone sees in you,” she says. “‘{seen_unwatched_quote}’. I see it. Out here, in daylight, I see it better.”", "En la esquina, con el primer sol, Diana te aprieta la mano. —Me dijiste qué esperas que alguien vea en ti —dice—: «{seen_unwatched_quote}». Lo veo. Aquí fuera, a la luz del día, lo veo mejor.")}
}
{t("The street that was not there yesterday is still there. So is the house, with its gate open. So are you, a little braver in every mirror.", "La calle que ayer no existía sigue ahí. También la casa, con la verja abierta. También tú, con un poco más de valor en cada espejo.")}
~ unlock("front_gate_key")
~ reward(50)
-> END

// ── Ending: her own road ──
=== c10_road ===
{t("The light comes, and the front gate swings open and stays open. The house lets go of everything, and Diana, at the top of the stairs, is entirely solid, and entirely herself, and looking past you.", "Llega la luz, y la verja principal se abre y se queda abierta. La casa lo suelta todo, y Diana, en lo alto de la escalera, está entera, y es del todo ella, y mira más allá de ti.")} #scene:10_03r
{ kept == "nothing":
    {t("“You gave the choice back to me,” she says, and her face is one whole thank-you. “So I chose. I chose the gate, and I am going to walk through it. But I think I have to do this part alone: the first street, the first morning. If someone holds my hand, I will only be brave for them.”", "—Me devolviste la elección —dice, y toda su cara es un gracias—. Así que he elegido. He elegido la verja, y voy a cruzarla. Pero creo que esta parte tengo que hacerla a solas: la primera calle, la primera mañana. Si alguien me da la mano, solo seré valiente por esa persona.")}
- else:
    {t("“Thank you,” she says, and she means it with her whole face. “You opened the gate. I am going to walk through it. But I think I have to do this part alone: the first street, the first morning. If someone holds my hand, I will only be brave for them.”", "—Gracias —dice, y lo dice con toda la cara—. Abriste la verja. Voy a cruzarla. Pero creo que esta parte tengo que hacerla a solas: la primera calle, la primera mañana. Si alguien me da la mano, solo seré valiente por esa persona.")}
}
+ [{t("Let her go", "Dejarla marchar")} #emo:empath+1] -> c10_road_end
+ [{t("“Write to me.”", "—Escríbeme.")} #emo:persistent+1] -> c10_road_end

=== c10_road_end ===
{t("She goes down the stairs, through the hall of mirrors, and out into the morning, and she does not look back, which is, Lucien tells you afterwards over the last of the tea, the bravest thing he has ever seen.", "Baja la escalera, cruza el vestíbulo de los espejos y sale a la mañana, y no mira atrás, lo cual, te dice Lucien después mientras os termináis el té, es lo más valiente que ha visto nunca.")} #scene:10_04r #ending:her_own_road
{t("A week later a paper bird finds its way to your doormat, although the door was locked. It has been folded by someone in a hurry, somewhere with a lot of wind. Unfolded, it says: “The sea is louder than I remembered. I am painting it badly and I am happy. Keep the street for me. — D.”", "Una semana después, un pájaro de papel llega a tu felpudo, aunque la puerta estaba cerrada con llave. Lo ha doblado alguien con prisa, en algún sitio con mucho viento. Desplegado, dice: «El mar suena más fuerte de lo que recordaba. Lo estoy pintando mal y soy feliz. Guárdame la calle. D.»")}
{t("You go that night. The street is still there, and the gate is open, and Lucien has the kettle on.", "Vas esa misma noche. La calle sigue ahí, la verja está abierta y Lucien ha puesto el agua a hervir.")}
~ unlock("front_gate_key")
~ reward(50)
-> END
