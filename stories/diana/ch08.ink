// ───────────────────────── Chapter 8: Unmasked (VIP, resonance) ─────────────────────────
=== chapter_8 ===
{ not vip(): -> vip_gate }
{t("Chapter 8 · Unmasked", "Capítulo 8 · Sin máscara")} #chapter:8 #title
-> c8_01

=== c8_01 ===
{t("The door warms under your palm, slowly, the way a stone warms in the sun, and then it is simply open, as though it always had been and you had only now thought to look.", "La puerta se entibia bajo tu palma, despacio, como se calienta una piedra al sol, y de pronto está abierta, como si siempre lo hubiera estado y solo ahora se te hubiera ocurrido mirar.")} #scene:8_01
{t("The studio beyond is long and low, with a skylight full of stars. It smells of turpentine and oranges. Everywhere, on easels, on the floor, stacked against the walls, are unfinished canvases, dozens of them, and every one is a painting of the same door.", "El estudio es largo y bajo, con una claraboya llena de estrellas. Huele a trementina y a naranjas. Por todas partes, en caballetes, en el suelo, apilados contra las paredes, hay lienzos sin terminar, decenas, y todos son el mismo cuadro: la misma puerta.")}
+ [{t("Step in", "Entrar")}] -> c8_02
+ [{t("Look at the doors before you look for her", "Mirar las puertas antes de buscarla a ella")} #emo:explorer+1] -> c8_01_doors

=== c8_01_doors ===
{t("The doors change as the canvases go on. In the oldest ones the door is shut and black. Later it is green, then ajar, then open the width of a hand. In the last few, the most recent, the paint is still wet, and there is someone standing on the far side of the gap. The figure has no face yet. It has your coat.", "Las puertas cambian de un lienzo a otro. En los más antiguos, la puerta está cerrada y es negra. Después es verde, luego entornada, luego abierta un palmo. En los últimos, los más recientes, la pintura aún está fresca, y hay alguien al otro lado de la rendija. La figura todavía no tiene cara. Tiene tu abrigo.")} #scene:8_01b
+ [{t("Turn round", "Darte la vuelta")}] -> c8_02

=== c8_02 ===
{t("Diana is standing by the window, without a mask.", "Diana está junto a la ventana, sin máscara.")} #scene:8_02
{t("She is younger than the legend and older than her fear. There is paint on her jaw and a pencil through her hair, and her edges, where the candlelight touches them, are not quite solid: they shimmer, very faintly, like a reflection in water that someone has just stopped stirring.", "Es más joven que la leyenda y mayor que su miedo. Tiene pintura en la mandíbula y un lápiz atravesado en el pelo, y sus contornos, donde los toca la luz de las velas, no son del todo sólidos: reverberan, muy levemente, como un reflejo en el agua que alguien acaba de dejar de remover.")}
{
- closeness >= 8:
    {t("“You came,” she says, and crosses the room, and takes both your hands as if she had been doing it for years. Her fingers are cool and real. “I knew it would be you. I knew it on the second night, when the bird came back. I did not let myself know it until now.”", "—Has venido —dice, y cruza la sala, y te coge las dos manos como si llevara años haciéndolo. Tiene los dedos frescos y de verdad—. Sabía que serías tú. Lo supe la segunda noche, cuando volvió el pájaro. No me dejé saberlo hasta ahora.")}
- closeness >= 4:
    {t("“You came,” she says. She does not move from the window, but she smiles, and the smile is the first thing about her that is entirely solid. “I was afraid the door would be wrong about you. Doors so often are.”", "—Has venido —dice. No se aparta de la ventana, pero sonríe, y la sonrisa es lo primero en ella que es completamente sólido—. Tenía miedo de que la puerta se equivocara contigo. Las puertas se equivocan tanto.")}
- else:
    {t("“You came,” she says, carefully, as if testing the words for weight. “The house opened for you. I confess I did not think it would. You have been hard to read, and I have been hard to reach. Perhaps that makes us even.”", "—Has venido —dice, con cuidado, como si sopesara las palabras—. La casa se ha abierto para ti. Confieso que no pensé que lo haría. Me ha costado leerte, y a ti alcanzarme. Puede que eso nos deje en paz.")}
}
+ [{t("“I came.”", "—He venido.")} #emo:direct+1] -> c8_03
+ [{t("“You let me.”", "—Tú me dejaste.")} #emo:empath+1]
    ~ closeness += 1
    -> c8_03

=== c8_03 ===
{t("“For a year I painted doors because I could not walk through one,” she says. “Lucien guarded me so well that he forgot to guard himself. And the house kept a little more of me every night, and I let it, because being kept is very restful. You stop having to choose.”", "—Durante un año pinté puertas porque no era capaz de cruzar ninguna —dice—. Lucien me protegió tan bien que se olvidó de protegerse él. Y la casa se quedaba cada noche con un poco más de mí, y yo la dejaba, porque que te guarden es muy descansado. Dejas de tener que elegir.")} #scene:8_03
{t("She picks up a clean canvas and sets it on the nearest easel. “Sit for me. One portrait. Not your face: your way of seeing. I want to know if I can still paint a person before I decide anything else.”", "Coge un lienzo en blanco y lo pone en el caballete más cercano. —Posa para mí. Un retrato. No tu cara: tu manera de mirar. Quiero saber si todavía soy capaz de pintar a una persona antes de decidir nada más.")}
+ [{t("Sit without moving and look at her", "Posar sin moverte y mirarla")} #emo:persistent+1 #branch:sitting]
    ~ sitting = "still"
    -> c8_04
+ [{t("Talk to her while she paints", "Hablarle mientras pinta")} #emo:empath+1 #branch:sitting]
    ~ sitting = "talk"
    -> c8_04

=== c8_04 ===
{
- sitting == "still":
    {t("You hold still. So does the room. There is only the scratch of charcoal, then the soft wet sound of the brush, and Diana's eyes going from you to the canvas and back, quick as a bird drinking.", "No te mueves. La sala tampoco. Solo se oye el roce del carboncillo, luego el sonido blando y húmedo del pincel, y los ojos de Diana yendo de ti al lienzo y volviendo, rápidos como un pájaro que bebe.")} #scene:8_04
- else:
    {t("You talk. About the city, about the street that was not there, about the fountain that does not run. She answers in half-sentences, her attention on the brush, and laughs once, at something you did not mean to be funny, in a way that makes you want to say it again.", "Hablas. De la ciudad, de la calle que no estaba, de la fuente que no corre. Ella contesta con medias frases, pendiente del pincel, y se ríe una vez, de algo que no pretendías que tuviera gracia, de un modo que te dan ganas de repetirlo.")} #scene:8_04
}
{t("While the brush moves, without looking up, Diana asks: “What do you hope someone sees in you, when nobody is watching?”", "Mientras el pincel se mueve, sin levantar la vista, Diana pregunta: —¿Qué esperas que alguien vea en ti cuando nadie mira?")} #ask:seen_unwatched
+ [{t("(answer)", "(respuesta)")} #answer] -> c8_05
+ [{t("Let the silence answer", "Dejar que responda el silencio")} #emo:poet+1]
    ~ seen_unwatched_kind = "silent"
    -> c8_05

=== c8_05 ===
{ seen_unwatched_kind != "silent":
    ~ seen_unwatched_kind = answer_kind
}
{
- seen_unwatched_kind == "silent":
    {t("The brush keeps moving through your silence. “Yes,” Diana murmurs. “That. I can paint that. Silence has a colour; people think it is grey, and it is not. It is the blue just before the lamps come on.”", "El pincel sigue moviéndose en tu silencio. —Sí —murmura Diana—. Eso. Eso sé pintarlo. El silencio tiene color; la gente cree que es gris y no lo es. Es el azul de justo antes de que se enciendan las farolas.")} #scene:8_05
- seen_unwatched_kind == "question":
    {t("“You ask me what I see,” she says, and her brush stops. “That is the question under all my questions. I see someone who asks back instead of answering, because answering means being seen. I know that trick. I am painting it now. It is going in the hands.”", "—Me preguntas qué veo yo —dice, y el pincel se detiene—. Esa es la pregunta que hay debajo de todas las mías. Veo a alguien que pregunta en vez de contestar, porque contestar es dejarse ver. Conozco el truco. Lo estoy pintando ahora mismo. Va en las manos.")} #scene:8_05
- seen_unwatched_kind == "short" || seen_unwatched_kind == "offtopic":
    {t("“{said(seen_unwatched_quote)},” she repeats, and laughs, not unkindly. “You are hiding behind a word as if it were a mask. I know all about masks. Never mind. I will paint what you did not say; it is usually the better likeness.”", "—«{said(seen_unwatched_quote)}» —repite, y se ríe, sin maldad—. Te escondes detrás de una palabra como si fuera una máscara. De máscaras sé mucho. No importa. Pintaré lo que no has dicho; suele parecerse más.")} #scene:8_05
- answer_emotion == "anger":
    {t("Her brush does not stop. “There it is,” she says. “The face people make when they think nobody is watching and they are furious about it. I have painted bishops with that face. It goes in the jaw. Hold still; you can be angry with me once it is dry.”", "El pincel no se detiene. —Ahí está —dice—. La cara que pone la gente cuando cree que nadie la mira y le da rabia. He pintado obispos con esa cara. Va en la mandíbula. No te muevas; ya te enfadarás conmigo cuando se seque.")} #scene:8_05
- answer_polarity == "negative" || answer_emotion == "sadness" || answer_emotion == "fear":
    ~ closeness += 1
    {t("Her brush slows. “That is a hard thing to hope for,” she says softly. “Hard things are the only ones worth painting. I will put it in the light, not the shadow. You deserve to have it seen in good light, at least once.”", "El pincel se le ralentiza. —Es difícil esperar eso —dice en voz baja—. Las cosas difíciles son las únicas que merece la pena pintar. Lo pondré en la luz, no en la sombra. Mereces que alguien lo vea con buena luz, al menos una vez.")} #scene:8_05
- answer_polarity == "positive" || answer_emotion == "joy" || answer_emotion == "affection":
    ~ closeness += 2
    {t("She looks up at you, and for a moment her edges stop shimmering altogether. “I see it,” she says. “I have been seeing it since the first night. I only needed you to say it, so I would know I was not inventing you.”", "Levanta la vista hacia ti, y durante un momento sus contornos dejan de reverberar del todo. —Lo veo —dice—. Lo veo desde la primera noche. Solo necesitaba que lo dijeras, para saber que no me lo estaba inventando.")} #scene:8_05
- else:
    ~ closeness += 1
    {t("“Then that is what I will paint,” she says simply, and mixes a colour you have never seen before, somewhere between ochre and dawn.", "—Entonces eso es lo que pintaré —dice sin más, y mezcla un color que no has visto nunca, entre el ocre y el amanecer.")} #scene:8_05
}
{ a_true_thing_kind == "normal" && a_true_thing_quote != "":
    {t("“And the true thing you told me through the door,” she adds, “‘{a_true_thing_quote}’: that is in here too. In the blue, underneath. Nobody will know it is there but us.”", "—Y lo verdadero que me contaste a través de la puerta —añade—, «{a_true_thing_quote}», también está aquí. En el azul, debajo. Nadie sabrá que está salvo tú y yo.")}
}
+ [{t("Wait for her to finish", "Esperar a que termine")}] -> c8_06

=== c8_06 ===
{t("At last she steps back and turns the easel so that you can see.", "Por fin se aparta y gira el caballete para que puedas verlo.")} #scene:8_06
{
- dominant == "poet":
    {t("She has painted a window full of moonlight, with the moon in front of you this time instead of behind: the moon you saw reflected in every window on the first night, finally caught facing the right way.", "Ha pintado una ventana llena de luna, esta vez con la luna delante de ti y no a tu espalda: la luna que viste reflejada en todas las ventanas la primera noche, por fin del lado correcto.")}
- dominant == "explorer":
    {t("She has painted a map, intricate and beautiful, whose every road and path, however far it wanders, leads back to the front gate of this house.", "Ha pintado un mapa, minucioso y precioso, cuyos caminos y senderos, por mucho que se alejen, vuelven todos a la verja de esta casa.")}
- dominant == "direct":
    {t("She has painted an open door with no frame at all: just the opening, standing in the middle of a field, nothing to hold it shut and nothing to hold it up.", "Ha pintado una puerta abierta sin marco alguno: solo el hueco, en medio de un campo, sin nada que la cierre y sin nada que la sostenga.")}
- dominant == "empath":
    {t("She has painted two hands, one steadying the other. You cannot tell which is yours. You are not meant to.", "Ha pintado dos manos, una sosteniendo a la otra. No sabes cuál es la tuya. No tienes que saberlo.")}
- dominant == "persistent":
    {t("She has painted the long staircase to her door, every one of its steps, and on every step a small mark where someone has stood and waited and gone on.", "Ha pintado la larga escalera hasta su puerta, todos los escalones, y en cada escalón una marca pequeña donde alguien se ha detenido, ha esperado y ha seguido subiendo.")}
- else:
    {t("She has painted a staircase that keeps climbing past the edge of the canvas, towards something she has not decided to show yet.", "Ha pintado una escalera que sigue subiendo más allá del borde del lienzo, hacia algo que todavía no ha decidido enseñar.")}
}
{t("“That is how you see,” she says. “I could still do it. I was not sure.”", "—Así es como miras —dice—. Todavía sé hacerlo. No estaba segura.")}
+ [{t("“It's beautiful.”", "—Es precioso.")} #emo:empath+1] -> c8_07
+ [{t("“Is that really me?”", "—¿De verdad soy así?")} #emo:explorer+1] -> c8_07

=== c8_07 ===
{t("Someone knocks on the studio door. It is Lucien, and it is the first time in his life, you suspect, that he has knocked on any door in this house instead of simply appearing behind it with a tray.", "Alguien llama a la puerta del estudio. Es Lucien, y es la primera vez en su vida, sospechas, que llama a una puerta de esta casa en lugar de aparecer sin más detrás de ella con una bandeja.")} #scene:8_07 #consequence:sitting
{t("Diana crosses the room and opens it for him herself. They look at each other for a long moment across the threshold, and neither of them says anything, and it is obvious that a great deal is being said.", "Diana cruza la sala y le abre ella misma. Se miran un buen rato por encima del umbral, y ninguno dice nada, y es evidente que se están diciendo muchísimo.")}
{
- sitting == "still":
    {t("Lucien looks past her at the canvas. “You sat still for her,” he says to you. “Nobody has ever sat still for her. She paints too truthfully; they fidget. Look at the hands. She has not finished hands like that since before.”", "Lucien mira el lienzo por encima de su hombro. —Has posado sin moverte —te dice—. Nadie ha posado nunca para ella sin moverse. Pinta con demasiada verdad; la gente se revuelve. Mira las manos. No terminaba unas manos así desde antes.")}
- else:
    {t("Lucien looks past her at the canvas. “You talked to her while she worked,” he says to you. “I could hear her laughing from the stairs. I stood there for ten minutes and did not come in. I wanted it to go on.”", "Lucien mira el lienzo por encima de su hombro. —Le has hablado mientras trabajaba —te dice—. La oía reírse desde la escalera. Me he quedado diez minutos ahí sin entrar. Quería que siguiera.")}
}
+ [{t("Step back and let them talk", "Apartarte y dejarles hablar")} #emo:empath+2]
    ~ trust += 1
    -> c8_08
+ [{t("Stay between them, smiling", "Quedarte entre los dos, sonriendo")} #emo:direct+1]
    ~ closeness += 1
    -> c8_08

=== c8_08 ===
{t("Then the house moves.", "Entonces la casa se mueve.")} #scene:8_08
{t("Not an earthquake: a settling, like a sleeper turning over. Every mirror in the studio fogs at once. Through the skylight, the stars slide a little to one side. And when you look out of the window, the street, the street that was not there, has gone thin, like a drawing someone has started to rub out.", "No es un terremoto: es un asentarse, como alguien que se da la vuelta en sueños. Todos los espejos del estudio se empañan a la vez. Por la claraboya, las estrellas se corren un poco hacia un lado. Y cuando miras por la ventana, la calle, la calle que no estaba, se ha vuelto fina, como un dibujo que alguien ha empezado a borrar.")}
{t("On every fogged mirror, in the careful old-fashioned hand, the same words appear.", "En todos los espejos empañados, con la letra cuidadosa y antigua, aparecen las mismas palabras.")}
{t("“It is time. Choose what to keep.”", "«Ha llegado la hora. Elige qué conservar».")}
~ reward(30)
+ [{t("Turn to Diana", "Volverte hacia Diana")}] -> chapter_9
+ [{t("Read the words again", "Volver a leer las palabras")}] -> chapter_9
